import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

/** Staff sign-in: choose a name, type the PIN. */
export class LoginPage {
  constructor(readonly page: Page) {}

  get heading() {
    return this.page.getByRole('heading', { name: 'Sign in' });
  }

  get problem() {
    return this.page.getByTestId('login-problem');
  }

  /** A password field has no ARIA role; its label names the staff member. */
  get pin() {
    return this.page.locator('input[name="pin"]');
  }

  staffButton(name: string) {
    return this.page.getByRole('button', { name: new RegExp(name) });
  }

  async chooseStaff(name: string) {
    await expect(this.heading).toBeVisible();
    await this.staffButton(name).click();
    await expect(this.staffButton(name)).toHaveAttribute('aria-pressed', 'true');
  }

  async typePin(pin: string) {
    await this.pin.fill(pin);
    await this.pin.press('Enter');
  }

  /** Types the PIN on the on-screen keypad, as on a touch till. */
  async tapPin(pin: string) {
    const keypad = this.page.getByRole('group', { name: 'PIN keypad' });
    for (const digit of pin) await keypad.getByRole('button', { name: digit, exact: true }).click();
    await this.page.getByRole('button', { name: /^Sign in/ }).click();
  }

  async signIn(name: string, pin: string) {
    await this.chooseStaff(name);
    await this.typePin(pin);
    await expect(this.page.getByTestId('signed-in-as')).toContainText(name, { timeout: 30_000 });
  }
}
