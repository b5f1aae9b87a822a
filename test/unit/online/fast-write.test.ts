import { describe, expect, it } from 'vitest';
import { isNewer } from '../../../src/online/fast-write.js';
import { respCommand } from '../../../src/online/bulk-socket.js';

describe('first-attempt writes', () => {
  it('compares (event, created) the way the write-newer script does', () => {
    expect(isNewer('10,5,ab;[1]', '9,99,ab;[0]')).toBe(true);
    expect(isNewer('10,5,ab;[1]', '10,4,ab;[0]')).toBe(true);
    expect(isNewer('10,5,ab;[1]', '10,5,ab;[0]')).toBe(false);
    expect(isNewer('10,,ab;[1]', '10,0,ab;[0]')).toBe(false);
    expect(isNewer('10,1,ab;[1]', '10,,ab;[0]')).toBe(true);
    expect(isNewer('9,,ab;[1]', '10,,ab;[0]')).toBe(false);
    expect(isNewer('9,,ab;[1]', 'garbage')).toBe(true);
  });

  it('encodes commands in RESP with byte lengths, not character counts', () => {
    expect(respCommand(['SET', 'k', 'é'])).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
  });
});
