import { terminalSafeDeep } from '@cis490/contract';

/**
 * An answer's JSON as the page uses it. Text from workers and trainers (errors,
 * host names, metric names) carries no control characters onto the page: an
 * ESC shows as a box at best, and a title or a copied cell would keep it.
 */
export async function answerOf<T>(res: Response): Promise<T> {
  return terminalSafeDeep((await res.json()) as T);
}

/** An event's data, the same way. */
export const eventData = (data: string): unknown => terminalSafeDeep(JSON.parse(data));
