/** What the API handlers need from the controller: the committed view, the write path, authentication, configuration. */
import type { View } from '../state/view.js';
import type { Writer } from '../state/writer.js';
import type { Auth } from '../auth.js';
import type { ControllerConfig } from '../config.js';

export interface Services {
  readonly view: View;
  readonly writer: Writer;
  readonly auth: Auth;
  readonly cfg: ControllerConfig;
}
