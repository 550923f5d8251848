/**
 * A receipt as the shell prints it. The screens format every value (money, points, dates) with
 * the loyalty rules before printing, so the shell only lays out text and never knows what a
 * point is worth.
 */
import { z } from 'zod';

const text = (max: number) => z.string().max(max);

export const ReceiptSchema = z
  .object({
    /** The transaction id; names the saved PDF. */
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only'),
    /** Store name, address: centred at the top. */
    header: z.array(text(120)).max(8),
    lines: z
      .array(
        z
          .object({
            label: text(120),
            value: text(60).default(''),
            emphasis: z.boolean().default(false),
          })
          .strict(),
      )
      .max(200),
    /** Thanks, balance notes, terms: centred at the bottom. */
    footer: z.array(text(200)).max(12).default([]),
  })
  .strict();

export type Receipt = z.input<typeof ReceiptSchema>;
export type ParsedReceipt = z.output<typeof ReceiptSchema>;

/** Thermal receipt paper is 80 mm wide; the height follows the content. */
export const RECEIPT_WIDTH_MM = 80;
const ROW_HEIGHT_MM = 5;
const MARGIN_MM = 12;

export function receiptHeightMm(receipt: ParsedReceipt): number {
  const rows = receipt.header.length + receipt.lines.length + receipt.footer.length + 2;
  return MARGIN_MM + rows * ROW_HEIGHT_MM;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * A standalone HTML document for printing, with every receipt value escaped: it is loaded into
 * a hidden window with JavaScript off, so the receipt's text can never become markup or script.
 */
export function receiptHtml(receipt: ParsedReceipt): string {
  const centred = (rows: readonly string[]) =>
    rows.map((row) => `<p class="c">${escapeHtml(row)}</p>`).join('');
  const lines = receipt.lines
    .map(
      (line) =>
        `<tr${line.emphasis ? ' class="e"' : ''}><td>${escapeHtml(line.label)}</td><td class="v">${escapeHtml(line.value)}</td></tr>`,
    )
    .join('');
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>Receipt</title><style>',
    `@page{size:${RECEIPT_WIDTH_MM}mm ${receiptHeightMm(receipt)}mm;margin:4mm}`,
    'body{font:12px/1.4 monospace;margin:0;color:#000}',
    'p{margin:0}.c{text-align:center}table{width:100%;border-collapse:collapse;margin:3mm 0}',
    'td{padding:0;vertical-align:top}.v{text-align:right;white-space:nowrap;padding-left:2mm}',
    '.e td{font-weight:bold}',
    '</style></head><body>',
    centred(receipt.header),
    `<table>${lines}</table>`,
    centred(receipt.footer),
    '</body></html>',
  ].join('');
}
