import { isSegError } from './errors';
import { randomUid, uuidToUid } from './uid';

describe('2.25 UIDs', () => {
  it('turns a UUID into its decimal 2.25 UID, and refuses what is not a UUID with a SegError', () => {
    expect(uuidToUid('00000000-0000-0000-0000-00000000000a')).toBe('2.25.10');
    expect(randomUid()).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    let error: unknown;
    try {
      uuidToUid('not-a-uuid');
    } catch (e) {
      error = e;
    }
    expect(isSegError(error, 'INVALID_VALUE')).toBe(true);
    expect((error as Error).message).toBe(
      '"not-a-uuid" is not a 128-bit UUID (32 hexadecimal digits), so it makes no UID',
    );
  });
});
