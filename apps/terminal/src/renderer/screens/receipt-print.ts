/** A confirmed checkout as the lines the shell prints (the shell never formats money itself). */
import type { ProgramSettings } from '@tillpoint/loyalty';
import type { Receipt } from '@tillpoint/terminal-core';
import type { Receipt as PrintedReceipt } from '../../shared/receipt.js';
import { money, points } from '../format.js';

export function printableReceipt(
  receipt: Receipt,
  program: Pick<ProgramSettings, 'currency' | 'name'>,
  store: { readonly storeId?: string; readonly staffName?: string },
): PrintedReceipt {
  const fmt = (minor: number) => money(minor, program);
  const lines: { label: string; value: string; emphasis?: boolean }[] = [
    { label: 'Order total', value: fmt(receipt.orderTotal) },
  ];
  if (receipt.couponDiscount > 0) {
    lines.push({
      label: `Coupon ${receipt.coupons.join(', ')}`,
      value: `-${fmt(receipt.couponDiscount)}`,
    });
  }
  if (receipt.pointsDiscount > 0) {
    lines.push({
      label: `Points redeemed (${points(receipt.pointsRedeemed)})`,
      value: `-${fmt(receipt.pointsDiscount)}`,
    });
  }
  lines.push({ label: 'Paid', value: fmt(receipt.amountPaid), emphasis: true });
  lines.push({ label: 'Points earned', value: `+${points(receipt.pointsEarned)}` });
  for (const bonus of receipt.bonuses) {
    lines.push({ label: `  incl. ${bonus.kind} bonus`, value: `+${points(bonus.points)}` });
  }
  lines.push({ label: 'Balance', value: points(receipt.balance), emphasis: true });
  lines.push({ label: 'Tier', value: receipt.tierName });
  return {
    id: receipt.transactionId,
    header: [
      program.name.slice(0, 120),
      ...(store.storeId ? [`Store ${store.storeId}`.slice(0, 120)] : []),
      new Date(receipt.occurredAt).toLocaleString('en-GB').slice(0, 120),
    ],
    lines: lines.map((line) => ({
      label: line.label.slice(0, 120),
      value: line.value.slice(0, 60),
      emphasis: line.emphasis ?? false,
    })),
    footer: [
      `Member: ${receipt.member.name}`.slice(0, 200),
      ...(store.staffName ? [`Served by ${store.staffName}`.slice(0, 200)] : []),
      ...(receipt.offline
        ? ['Recorded offline: the balance is confirmed when the till syncs.']
        : []),
      `Ref ${receipt.transactionId}`,
      'Thank you!',
    ],
  };
}
