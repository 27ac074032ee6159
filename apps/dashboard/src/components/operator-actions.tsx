import type { JobView } from '@cis490/contract';
import { useState } from 'preact/hooks';
import { api, ApiError, operatorToken } from '../api';

type Action = 'cancel' | 'requeue' | 'force';

const LABELS: Record<Action, string> = { cancel: 'Cancel job', requeue: 'Requeue', force: 'Requeue (force)' };
const CONFIRM: Record<Action, string> = {
  cancel: 'Cancel it: the trainer is stopped',
  requeue: 'Requeue: attempts back to 0',
  force: 'Train again: keeps the old artifact',
};

/** What an operator may do to a job in this status (SPEC §2): cancel before the end, requeue after it. */
function actionsFor(job: JobView): Action[] {
  switch (job.status) {
    case 'pending':
    case 'claimed':
    case 'running':
      return ['cancel'];
    case 'failed':
    case 'cancelled':
      return ['requeue'];
    case 'completed':
      return ['force'];
  }
}

/**
 * Cancel and requeue, once an operator token is entered. The token stays in
 * this tab's session storage, sent as X-Operator-Token; the receiver judges it.
 */
export function OperatorActions({ job, onChanged }: { job: JobView; onChanged: (job: JobView) => void }) {
  const [token, setToken] = useState(operatorToken.get);
  const [armed, setArmed] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  const remember = (value: string) => {
    operatorToken.set(value);
    setToken(value);
    setMessage(null);
  };

  const run = async (action: Action) => {
    setBusy(true);
    setMessage(null);
    try {
      const changed = action === 'cancel' ? await api.cancel(job.id, token) : await api.requeue(job.id, token, action === 'force');
      setMessage({ error: false, text: `${action === 'cancel' ? 'Cancelled' : 'Requeued'}: now ${changed.status}.` });
      onChanged(changed);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      const hint =
        status === 401 ? ' — the receiver refused this token' : status === 403 ? ' — the receiver has no CIS490_OPERATOR_TOKEN set' : '';
      setMessage({ error: true, text: `${(err as Error).message}${hint}` });
    } finally {
      setBusy(false);
      setArmed(null);
    }
  };

  if (!token) {
    return (
      <form
        class="operator"
        onSubmit={(e) => {
          e.preventDefault();
          remember(String(new FormData(e.currentTarget).get('token') ?? '').trim());
        }}
      >
        <label>
          Operator token
          <input name="token" type="password" autocomplete="off" placeholder="CIS490_OPERATOR_TOKEN" required />
        </label>
        <button type="submit">Unlock actions</button>
        <p class="muted small">Kept in this tab only (session storage); needed to cancel or requeue.</p>
      </form>
    );
  }

  return (
    <div class="operator">
      <div class="operator-buttons">
        {actionsFor(job).map((action) =>
          armed === action ? (
            <>
              <button type="button" class="danger" disabled={busy} onClick={() => run(action)}>
                {CONFIRM[action]}
              </button>
              <button type="button" class="subtle" disabled={busy} onClick={() => setArmed(null)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" class={action === 'cancel' ? 'danger-outline' : ''} disabled={busy} onClick={() => setArmed(action)}>
              {LABELS[action]}
            </button>
          ),
        )}
        <button type="button" class="link" onClick={() => remember('')}>
          Forget token
        </button>
      </div>
      {message && <p class={message.error ? 'error-text small' : 'ok-text small'} role="status">{message.text}</p>}
    </div>
  );
}
