import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

/** The till: phone lookup, member card, enrollment, order, receipt, sync indicator. */
export class CheckoutPage {
  constructor(readonly page: Page) {}

  // Sync indicator and banner ---------------------------------------------------------------

  get syncState() {
    return this.page.getByTestId('sync-state');
  }

  get pending() {
    return this.page.getByTestId('sync-pending');
  }

  get offlineBanner() {
    return this.page.getByTestId('offline-banner');
  }

  async expectOnline() {
    await expect(this.syncState).toHaveText('Online', { timeout: 30_000 });
  }

  async expectOffline() {
    await expect(this.syncState).toHaveText('Offline', { timeout: 30_000 });
  }

  // Customer ------------------------------------------------------------------------------------

  get phone() {
    return this.page.getByLabel(/^Phone number/);
  }

  get lookupProblem() {
    return this.page.locator('#lookup-problem');
  }

  async lookup(phone: string) {
    await this.phone.fill(phone);
    await this.phone.press('Enter');
  }

  /**
   * Looks a seeded member up, retrying while the first pull after enrollment is still bringing
   * the members in (an unknown number leads to the enrollment form: Escape, try again).
   */
  async findMember(phone: string, name: string) {
    await expect(async () => {
      await this.page.keyboard.press('Escape');
      await this.lookup(phone);
      await expect(this.memberName).toHaveText(name, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  }

  get card() {
    return this.page.getByTestId('member-card');
  }

  get memberName() {
    return this.page.getByTestId('member-name');
  }

  get balance() {
    return this.page.getByTestId('member-balance');
  }

  /** The balance the card shows, in points. */
  async balancePoints(): Promise<number> {
    return Number(await this.balance.getAttribute('data-points'));
  }

  get tier() {
    return this.page.getByTestId('member-tier');
  }

  get managerActions() {
    return this.page.getByTestId('manager-actions');
  }

  // Enrollment ------------------------------------------------------------------------------------

  get enrollHeading() {
    return this.page.getByRole('heading', { name: 'New member' });
  }

  async enroll(details: { name: string; email?: string; birthday?: string; sms?: boolean }) {
    await expect(this.enrollHeading).toBeVisible();
    const form = this.page.locator('section.enroll');
    await form.getByLabel('Name', { exact: true }).fill(details.name);
    if (details.email) await form.getByLabel('Email (optional)').fill(details.email);
    if (details.birthday)
      await form.getByRole('textbox', { name: /^Birthday/ }).fill(details.birthday);
    if (details.sms) await form.getByLabel('Text messages').check();
    await form.getByRole('button', { name: /^Enroll/ }).click();
  }

  // Order -----------------------------------------------------------------------------------------

  get amount() {
    return this.page.getByLabel('Order amount');
  }

  get coupon() {
    return this.page.getByLabel('Coupon code');
  }

  get couponStatus() {
    return this.page.getByTestId('coupon-status');
  }

  get redeem() {
    return this.page.getByLabel('Points to redeem');
  }

  get redeemStatus() {
    return this.page.getByTestId('redeem-status');
  }

  get pointsToEarn() {
    return this.page.getByTestId('points-to-earn');
  }

  get amountToPay() {
    return this.page.getByTestId('amount-to-pay');
  }

  get confirmButton() {
    return this.page.getByRole('button', { name: /Confirm checkout/ });
  }

  async confirm() {
    await this.confirmButton.click();
    await expect(this.receipt).toBeVisible();
  }

  /** A whole checkout: amount (and optionally coupon and points), confirm, receipt shown. */
  async checkout(order: { amount: string; coupon?: string; redeem?: string }) {
    await this.amount.fill(order.amount);
    if (order.coupon !== undefined) await this.coupon.fill(order.coupon);
    if (order.redeem !== undefined) await this.redeem.fill(order.redeem);
    await expect(this.pointsToEarn).not.toHaveAttribute('data-points', '0');
    await this.confirm();
  }

  // Receipt ---------------------------------------------------------------------------------------

  get receipt() {
    return this.page.getByTestId('receipt');
  }

  async receiptTransactionId(): Promise<string> {
    const id = await this.receipt.getAttribute('data-transaction-id');
    if (!id) throw new Error('the receipt names no transaction');
    return id;
  }

  async nextCustomer() {
    await this.page.getByRole('button', { name: /Next customer/ }).click();
    await expect(this.phone).toBeFocused();
  }
}
