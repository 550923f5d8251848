/** What an action ended with, shown under it: a confirmation or a problem. */
export type Message = { readonly kind: 'ok' | 'problem'; readonly text: string };

/** A confirmation (read out politely) or a problem (read out at once); nothing when absent. */
export function Feedback({ message }: { readonly message: Message | undefined }) {
  if (!message) return null;
  return (
    <p
      className={message.kind === 'ok' ? 'success' : 'problem'}
      role={message.kind === 'ok' ? 'status' : 'alert'}
    >
      {message.text}
    </p>
  );
}

/** Why the form or screen cannot go on, read out at once; nothing when there is no problem. */
export function ProblemText({
  text,
  id,
  testId,
}: {
  readonly text: string | undefined;
  /** For the field's aria-describedby. */
  readonly id?: string;
  readonly testId?: string;
}) {
  if (!text) return null;
  return (
    <p className="problem" role="alert" id={id} data-testid={testId}>
      {text}
    </p>
  );
}
