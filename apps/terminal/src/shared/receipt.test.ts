import { describe, expect, it } from 'vitest';
import { ReceiptSchema, escapeHtml, receiptHeightMm, receiptHtml } from './receipt.js';

const receipt = ReceiptSchema.parse({
  id: '0190c0de-7a3b-7c1e-9f00-000000000001',
  header: ['Noodle Bar', '12 High St'],
  lines: [
    { label: 'Order total', value: '€24.50' },
    { label: 'Coupon SPRING10', value: '−€2.45' },
    { label: 'To pay', value: '€22.05', emphasis: true },
    { label: 'Points earned', value: '+24' },
  ],
  footer: ['Balance 1,024 points (Silver)', 'Thank you!'],
});

describe('receipt', () => {
  it('lays out every line, label and value, in order', () => {
    const html = receiptHtml(receipt);
    const positions = [
      'Noodle Bar',
      'Order total',
      '€24.50',
      'To pay',
      'Points earned',
      'Thank you!',
    ].map((text) => html.indexOf(text));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toContain('<tr class="e"><td>To pay</td>');
  });

  it('prints a customer name as text, never as markup', () => {
    const hostile = ReceiptSchema.parse({
      id: 'tx1',
      header: ['<img src=x onerror=alert(1)>'],
      lines: [{ label: 'Member', value: '"><script>alert(1)</script>' }],
    });
    const html = receiptHtml(hostile);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('sizes the page to 80 mm paper, growing with the content', () => {
    expect(receiptHtml(receipt)).toContain(`@page{size:80mm ${receiptHeightMm(receipt)}mm`);
    const longer = { ...receipt, lines: [...receipt.lines, ...receipt.lines] };
    expect(receiptHeightMm(longer)).toBeGreaterThan(receiptHeightMm(receipt));
  });

  it.each([
    [{ id: '../../etc/passwd', header: [], lines: [] }, /id/],
    [{ id: 'tx', header: [], lines: [{ label: 'x', value: 'y', script: 'z' }] }, /script/],
    [{ id: 'tx', header: [], lines: Array.from({ length: 201 }, () => ({ label: 'x' })) }, /lines/],
  ])('refuses a malformed receipt %#', (input, reason) => {
    const parsed = ReceiptSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(reason);
  });
});
