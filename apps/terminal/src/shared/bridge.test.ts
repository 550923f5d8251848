import { describe, expect, it } from 'vitest';
import { parseProvisioning, provisioningSearch } from './bridge.js';

describe('first-run hand-off in the page URL', () => {
  it('round-trips the server URL and the enrollment code', () => {
    const provisioning = { serverUrl: 'http://127.0.0.1:8787', enrollmentCode: 'K7QF-2M9X' };
    const search = provisioningSearch(provisioning);
    expect(search).toBe('?serverUrl=http%3A%2F%2F127.0.0.1%3A8787&enrollmentCode=K7QF-2M9X');
    expect(parseProvisioning(search)).toEqual(provisioning);
  });

  it('is absent from an ordinary start', () => {
    expect(provisioningSearch({})).toBe('');
    expect(parseProvisioning('')).toBeUndefined();
    expect(parseProvisioning('?enrollmentCode=%20%20&other=1')).toBeUndefined();
  });

  it('carries just the code when the server is already configured', () => {
    expect(parseProvisioning('?enrollmentCode=K7QF-2M9X')).toEqual({ enrollmentCode: 'K7QF-2M9X' });
  });
});
