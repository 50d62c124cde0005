import { MedsamError } from '../../errors';

/** The MedsamError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<MedsamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof MedsamError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}
