import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

/** The member's rewards and points history, opened from the member card. */
export class MemberPage {
  constructor(readonly page: Page) {}

  get card() {
    return this.page.getByTestId('member-card');
  }

  // Rewards ---------------------------------------------------------------------------------------

  get rewards() {
    return this.page.getByTestId('reward-list');
  }

  async openRewards() {
    const button = this.card.getByRole('button', { name: 'Rewards', exact: true });
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    await expect(this.rewards).toBeVisible();
  }

  reward(name: string) {
    return this.rewards.getByTestId('reward-option').filter({ hasText: name });
  }

  redeemButton(name: string) {
    return this.rewards.getByRole('button', { name: `Redeem ${name}` });
  }

  async redeem(name: string) {
    await this.redeemButton(name).click();
  }

  // History ---------------------------------------------------------------------------------------

  get history() {
    return this.page.getByTestId('member-history');
  }

  get entries() {
    return this.history.getByTestId('history-entry');
  }

  async openHistory() {
    const button = this.card.getByRole('button', { name: 'History', exact: true });
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    await expect(this.history).toBeVisible();
  }

  /** Refunds the history entry that mentions `text` (two steps: Refund, then Confirm refund). */
  async refund(text: string | RegExp) {
    const entry = this.entries.filter({ hasText: text });
    await entry.getByRole('button', { name: 'Refund', exact: true }).click();
    await entry.getByRole('button', { name: 'Confirm refund' }).click();
  }

  /** The message under a panel after an action (success or refusal). */
  feedback(panel: 'rewards' | 'history') {
    return (panel === 'rewards' ? this.rewards : this.history).locator('.success, .problem');
  }
}
