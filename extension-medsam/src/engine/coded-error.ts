/**
 * The one shape of every error this project raises on purpose: a code a caller can branch on, a message that names
 * the problem (which file, which box, which URL) so that it can be shown as it is, and structured-cloneable details.
 * The engine (MedsamError), the SEG part (SegError) and the viewer (ViewerError) each own a code list and extend this;
 * `errorCodeOf` reads the code of any of them, also after a trip through postMessage ({ code, message, details }).
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

/** The code of a coded error (or of its JSON form), or null for anything else. */
export function errorCodeOf(e: unknown): string | null {
  if (e instanceof CodedError) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && typeof (e as { message?: unknown }).message === 'string' ? code : null;
}
