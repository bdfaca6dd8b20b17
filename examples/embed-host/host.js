// An example portal: frames the validator (`?embed=validator`), themes it, shows the
// verdicts it posts, and calls the JavaScript entry point `validate` directly.
// Protocol and deployment: docs/embedding.md.

// Where the console is deployed: `?console=https://console.example/` (default: the
// address `cargo xtask run` serves).
const params = new URLSearchParams(location.search);
const consoleUrl = new URL(params.get("console") ?? "http://127.0.0.1:8080/", location.href);
const consoleOrigin = consoleUrl.origin;
// The validator-only build beside the console: the validator page without the console, a
// smaller download (docs/embedding.md).
const validatorUrl = new URL("validator/", consoleUrl);

const $ = (id) => document.getElementById(id);

// What the page received, for people debugging an embedding (and for the tests): every
// message event, before any check.
const host = { received: [], verdicts: [], apiReport: null, api: null, wasm: null };
window.esimHost = host;

// 1. The iframe. The listener comes first, so the validator's ready message is not missed.
const frame = document.createElement("iframe");
frame.title = "eSIM activation-code validator";
frame.dataset.testid = "host-frame";

window.addEventListener("message", (event) => {
  host.received.push({ origin: event.origin, data: event.data });
  // Trust nothing but the validator's origin, and only from our own iframe.
  if (event.origin !== consoleOrigin || event.source !== frame.contentWindow) return;
  const message = event.data;
  if (message === null || typeof message !== "object" || message.version !== 1) return;
  switch (message.type) {
    case "esim-csv:ready":
      $("status").textContent = "ready";
      break;
    case "esim-csv:report": {
      const report = message.report;
      host.verdicts.push(message);
      // textContent only: a file name or message is data, never markup.
      $("file").textContent = message.file;
      $("verdict").textContent = report.valid ? "valid" : "invalid";
      $("codes").textContent = String(report.codes);
      $("counts").textContent = Object.entries(report.counts)
        .map(([code, count]) => `${code}: ${count}`)
        .join(", ");
      break;
    }
  }
});

const embedUrl = new URL(validatorUrl);
embedUrl.searchParams.set("embed", "validator");
embedUrl.searchParams.set("lang", params.get("lang") ?? "en");
frame.src = embedUrl.href;
// The validator also says ready on its own; hello asks again (e.g. after a reload).
frame.addEventListener("load", () => {
  frame.contentWindow.postMessage({ type: "esim-csv:hello", version: 1 }, consoleOrigin);
});
$("frame-slot").append(frame);

// The portal's look: only `--esim-*` custom properties, with plain values, are accepted.
$("theme").addEventListener("click", () => {
  frame.contentWindow.postMessage(
    {
      type: "esim-csv:theme",
      version: 1,
      vars: {
        "--esim-accent": "#6b21a8",
        "--esim-focus": "#6b21a8",
        "--esim-radius": "12px",
        "--esim-font": "Georgia, \"Times New Roman\", serif",
      },
    },
    consoleOrigin,
  );
});

// 2. The JavaScript entry point: the validator-only build's module, loaded once. Importing
// it from another origin needs CORS on the console (esim-server --cors-origin).
let api = null;
async function loadApi() {
  if (api === null) {
    api = import(new URL("esim-validator.js", validatorUrl).href).then(async (module) => {
      // init(): fetches esim-validator_bg.wasm next to the module; its exports (with the
      // wasm's memory) are kept for the tests.
      host.wasm = await module.default();
      host.api = module;
      return module;
    });
  }
  return api;
}

$("api-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  try {
    const { validate } = await loadApi();
    const report = validate(new Uint8Array(await file.arrayBuffer()), file.name, "en");
    host.apiReport = report;
    $("api-verdict").textContent = report.valid ? "valid" : "invalid";
    $("api-codes").textContent = String(report.codes);
    $("api-report").textContent = JSON.stringify(report, null, 2);
  } catch (error) {
    $("api-verdict").textContent = `error: ${error}`;
  }
});
