/**
 * Tells when a REST request actually leaves, after @discordjs/rest's queues and rate-limit waits.
 * Attribution needs the moment an invites fetch was *sent*: every join received before it is
 * certainly counted by it. The time we asked for the fetch would be too early under rate limiting,
 * and joins received in between would then have to be treated as uncertain.
 */
import { DefaultRestOptions, type RESTOptions } from '@discordjs/rest';

export class SendClock {
  private readonly waiting = new Map<string, () => void>();

  /**
   * Called with every answer's `Date` header (Discord's clock, whole seconds) and when the request
   * left and its answer arrived (ours): bounds on the clock offset attribution works with.
   */
  constructor(
    private readonly onServerDate?: (sentAt: number, receivedAt: number, date: number) => void,
  ) {}

  /** Calls `onSent` when the next request for this route (e.g. `/guilds/1/invites`) is sent. */
  onSent(route: string, onSent: () => void): void {
    this.waiting.set(route, onSent);
  }

  forget(route: string): void {
    this.waiting.delete(route);
  }

  /** The `makeRequest` option for REST: notes the send, then sends as usual. */
  readonly makeRequest: RESTOptions['makeRequest'] = async (url, init) => {
    const route = new URL(url).pathname.replace(/^.*?\/v\d+(?=\/)/, '');
    const notify = this.waiting.get(route);
    if (notify) {
      this.waiting.delete(route);
      notify();
    }
    const sentAt = Date.now();
    const response = await DefaultRestOptions.makeRequest(url, init);
    const date = Date.parse(response.headers.get('date') ?? '');
    if (Number.isFinite(date)) this.onServerDate?.(sentAt, Date.now(), date);
    return response;
  };
}
