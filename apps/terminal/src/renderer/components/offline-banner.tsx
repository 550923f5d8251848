import { count, points } from '../format.js';
import { useApp } from '../store.js';

/** Says, while the server is out of reach, what still works and what is capped. */
export function OfflineBanner() {
  const status = useApp((state) => state.status);
  const program = useApp((state) => state.program);
  if (!status?.enrolled || status.online) return null;
  const caps = program?.offline;
  // The server refuses this till's token: what waits is sent once it is enrolled again.
  const refused = status.error?.code === 'token-revoked' || status.error?.code === 'unauthorized';
  return (
    <aside className="offline-banner" role="alert" data-testid="offline-banner">
      <strong>Offline: the till keeps working.</strong> Look-ups, new members and checkouts work as
      usual and are sent{' '}
      {refused ? 'once the till is enrolled again' : 'when the connection is back'}
      {status.pending > 0 ? ` (${status.pending} waiting)` : ''}.
      {status.firstLoad && !status.firstLoad.membersDone
        ? ` This till has not loaded every member yet (${count(status.firstLoad.members)} so far): a customer it cannot find may already be a member.`
        : ''}
      {caps ? (
        <>
          {' '}
          Capped while offline: at most {points(caps.maxPointsPerCheckout)} redeemed per checkout
          and {points(caps.maxPointsPerMemberPerDay)} per member per day; no redeeming after{' '}
          {caps.maxOfflineHours} h without contact;{' '}
          {caps.allowLimitedCouponsOffline
            ? 'coupons with a usage limit are accepted and checked later.'
            : 'coupons with a usage limit are not accepted.'}
        </>
      ) : null}
    </aside>
  );
}
