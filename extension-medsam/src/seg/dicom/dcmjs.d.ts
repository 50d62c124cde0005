// The part of dcmjs 0.52 this package uses (dcmjs ships no type declarations).
declare module 'dcmjs' {
  interface Logger {
    setLevel(level: string): void;
  }
  export const log: Logger & { getLogger(name: string): Logger };
  export namespace data {
    interface DicomDictElement {
      vr: string;
      Value?: unknown[];
      InlineBinary?: string;
      BulkDataURI?: string;
      /** The value as read, before formatting (kept for text VRs such as DS and IS). */
      _rawValue?: unknown;
    }
    class DicomDict {
      constructor(meta: Record<string, DicomDictElement>);
      meta: Record<string, DicomDictElement>;
      dict: Record<string, DicomDictElement>;
      write(options?: Record<string, unknown>): ArrayBuffer;
    }
    const DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: { ignoreErrors?: boolean; untilTag?: string; includeUntilTagValue?: boolean },
      ): DicomDict;
    };
    const DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, DicomDictElement>): Record<string, unknown>;
      denaturalizeDataset(ds: Record<string, unknown>): Record<string, DicomDictElement>;
      dictionary: Record<string, { tag: string; vr: string; name: string; vm: string; version: string }>;
      nameMap: Record<string, { tag: string; vr: string; name: string }>;
      punctuateTag(tag: string): string;
    };
  }
}
