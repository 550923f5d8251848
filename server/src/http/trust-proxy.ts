/**
 * Which reverse proxies in front of the server are trusted to say who the client is
 * (`TRUST_PROXY`). The enrollment limit and the refused-token limit count per client address;
 * behind a proxy, every request comes from the proxy's address, so one store enrolling its
 * tills, or one attacker guessing tokens, would hold back the whole chain. Trusting the proxy
 * makes Express read the client from `X-Forwarded-For`.
 *
 * Off by default: with no proxy in front, any client could write `X-Forwarded-For` and get a
 * fresh bucket with every request. Trusting every hop (`true`) is refused for the same reason.
 * The value is Express's own (its `trust proxy` setting):
 *
 * - `false` (or unset): the socket's address, no header read;
 * - a hop count, `1`–`16`: that many proxies in front of the server;
 * - a comma-separated list of the proxies' addresses or subnets (`10.0.0.5`, `10.0.0.0/8`,
 *   `fd00::/8`) and Express's names `loopback`, `linklocal`, `uniquelocal`.
 */
import { isIP } from 'node:net';

export type TrustProxy = false | number | string;

export type TrustProxyParse =
  | { readonly ok: true; readonly value: TrustProxy }
  | { readonly ok: false; readonly problems: readonly string[] };

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 16;

function entryProblem(entry: string): string | undefined {
  if (NAMED_RANGES.has(entry)) return undefined;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return `"${entry}" is not an IP address, a subnet or one of loopback, linklocal, uniquelocal`;
  }
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    return `"${entry}": the prefix length must be 0 to ${bits}`;
  }
  return undefined;
}

export function parseTrustProxy(raw: string | undefined): TrustProxyParse {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return { ok: true, value: false };
  if (value === 'true') {
    return {
      ok: false,
      problems: [
        'true would trust any client to name its own address; give the hop count or the ' +
          "proxies' addresses",
      ],
    };
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops === 0) return { ok: true, value: false };
    if (hops > MAX_HOPS) return { ok: false, problems: [`at most ${MAX_HOPS} proxies`] };
    return { ok: true, value: hops };
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const problems = entries.flatMap((entry) => {
    if (entry === '') return ['an empty entry in the list'];
    const problem = entryProblem(entry);
    return problem === undefined ? [] : [problem];
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: entries.join(',') };
}
