import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

/** The first-run screen: server address and enrollment code. */
export class FirstRunPage {
  constructor(readonly page: Page) {}

  /** Opens the app as `npm start` does: the server and the code handed over in the URL. */
  async open(appUrl: string, provisioning: { serverUrl?: string; enrollmentCode?: string } = {}) {
    const search = new URLSearchParams(
      Object.entries(provisioning).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    await this.page.goto(`${appUrl}/${search.size > 0 ? `?${search}` : ''}`);
  }

  get serverUrl() {
    return this.page.getByLabel('Server address');
  }

  get enrollmentCode() {
    return this.page.getByLabel('Enrollment code');
  }

  async connect() {
    await expect(this.page.getByRole('heading', { name: 'Set up this till' })).toBeVisible();
    await this.page.getByRole('button', { name: /Connect this till/ }).click();
  }
}
