import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

/** A manager's desk: the reviews the server flagged, the coupons, and the till's settings. */
export class ManagerDeskPage {
  constructor(readonly page: Page) {}

  navButton(name: 'Till' | 'Reviews' | 'Coupons' | 'Settings') {
    return this.page
      .getByRole('navigation', { name: 'Manager desk' })
      .getByRole('button', { name, exact: true });
  }

  async go(name: 'Till' | 'Reviews' | 'Coupons' | 'Settings') {
    await this.navButton(name).click();
    await expect(this.navButton(name)).toHaveAttribute('aria-pressed', 'true');
  }

  // Reviews ---------------------------------------------------------------------------------------

  get reviews() {
    return this.page.getByTestId('review');
  }

  review(text: string | RegExp) {
    return this.reviews.filter({ hasText: text });
  }

  async showReviews(which: 'Open' | 'Resolved') {
    const group = this.page.getByRole('group', { name: 'Which reviews' });
    await group.getByRole('button', { name: which, exact: true }).click();
  }

  async resolve(text: string | RegExp, note: string) {
    const review = this.review(text);
    await review.getByLabel('What was done (note)').fill(note);
    await review.getByRole('button', { name: 'Resolve' }).click();
  }

  // Coupons ---------------------------------------------------------------------------------------

  get editor() {
    return this.page.locator('section.coupon-editor');
  }

  get couponProblem() {
    return this.page.getByTestId('coupon-problem');
  }

  couponRow(code: string) {
    return this.page.locator(`[data-testid="coupon-row"][data-code="${code}"]`);
  }

  async newCoupon() {
    await this.page.getByRole('button', { name: 'New coupon' }).click();
    await expect(this.editor).toBeVisible();
  }

  async fillCoupon(fields: {
    code?: string;
    name?: string;
    kind?: 'Amount off' | 'Percent off' | 'Free item';
    value?: string;
    minimumOrder?: string;
  }) {
    const form = this.editor;
    if (fields.code !== undefined) await form.getByLabel('Code', { exact: true }).fill(fields.code);
    if (fields.name !== undefined) await form.getByLabel('Name', { exact: true }).fill(fields.name);
    if (fields.kind !== undefined)
      await form.getByLabel('Kind').selectOption({ label: fields.kind });
    if (fields.value !== undefined) {
      const label = fields.kind === 'Percent off' ? 'Percent off' : 'Amount off';
      await form.getByLabel(label, { exact: true }).fill(fields.value);
    }
    if (fields.minimumOrder !== undefined)
      await form.getByLabel('Minimum order (optional)').fill(fields.minimumOrder);
  }

  async saveCoupon() {
    await this.editor.getByRole('button', { name: 'Save coupon' }).click();
  }
}
