/** Who is calling: always resolved from the Bearer token, never from a request body. */
export interface TerminalContext {
  readonly terminalId: string;
  readonly storeId: string;
}
