/**
 * The one shape of every error this project raises on purpose: a code a caller can branch on, a message that names
 * the problem (which file, which box, which URL) so that it can be shown as it is, and structured-cloneable details.
 * The engine (MedsamError), the SEG part (SegError), the viewer (ViewerError) and the command line (UsageError,
 * InputError) each own a code list and extend this.
 */
export interface CodedErrorJson<C extends string = string> {
  code: C;
  message: string;
  details?: Record<string, unknown>;
}

export abstract class CodedError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: Record<string, unknown>;

  protected constructor(name: string, code: C, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = name;
    this.code = code;
    this.details = details;
  }

  /** Plain form for postMessage and logs; each subclass's fromJSON rebuilds it on the other side. */
  toJSON(): Required<CodedErrorJson<C>> {
    return { code: this.code, message: this.message, details: this.details };
  }
}
