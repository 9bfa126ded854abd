// eepay chat widget — entry point. Embed with one tag:
//
//   <script type="module" src="https://<widget host>/widget/eepay-chat.js"
//           data-server-url="https://<rasa host>" data-customer-token="<JWT minted by your server>"
//           data-language="zh" data-title="eepay 在线客服"></script>
//
// or import { mount } from this module and call mount({serverUrl, customerToken, language,
// title, ...}) yourself. `window.EepayChat` offers the same for non-module code.

import { io } from "./vendor/socket.io.esm.min.js";
import { ChatWidget, configFromDataset } from "./widget.js";

const instances = [];

/** Mounts a widget; returns it (open(), close(), sendText(), setCustomerToken(), forget(), destroy()). */
export function mount(config) {
  const widget = new ChatWidget(config, io);
  instances.push(widget);
  return widget;
}

function ownScriptTag() {
  return Array.from(document.querySelectorAll("script[src]")).find((script) => script.src === import.meta.url);
}

const api = Object.freeze({
  mount,
  /** The first mounted widget (the one the script tag created), if any. */
  get widget() {
    return instances[0] ?? null;
  },
  /** The Rasa conversation id of the first widget (to quote in a support form, say). */
  get sessionId() {
    return instances[0]?.sessionId ?? null;
  },
});

if (!window.EepayChat) window.EepayChat = api;

const tag = ownScriptTag();
if (tag && tag.dataset.serverUrl !== undefined) {
  try {
    mount(configFromDataset(tag.dataset));
  } catch (error) {
    console.error(error);
  }
}

export default api;
