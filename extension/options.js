// The options page: the server's address, kept in chrome.storage.sync (the panel reconnects when it changes).
"use strict";

const P = window.WOPlatform;
const input = document.getElementById("server");
const status = document.getElementById("saved");

async function load() {
  input.value = await P.serverUrl();
}

// Chrome lets the extension reach 127.0.0.1 and localhost; another server needs the person's permission.
async function allowed(origin) {
  const origins = [`${origin}/*`];
  if (await chrome.permissions.contains({ origins })) return true;
  return chrome.permissions.request({ origins });
}

async function save(value) {
  let url;
  try {
    url = new URL(value);
  } catch (error) {
    url = null;
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    status.textContent = "Enter an http:// or https:// address.";
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  const server = P.normalize(url.origin + url.pathname);
  if (!(await allowed(url.origin))) {
    status.textContent = `Not saved: Chrome did not allow access to ${url.origin}.`;
    return;
  }
  await chrome.storage.sync.set({ serverUrl: server });
  input.value = server;
  status.textContent = `Saved. The panel now talks to ${server}.`;
}

document.getElementById("options").addEventListener("submit", (event) => {
  event.preventDefault();
  save(input.value.trim()).catch((error) => { status.textContent = `Not saved: ${error.message}`; });
});
document.getElementById("reset").addEventListener("click", () => {
  input.value = P.defaultServer;
  save(P.defaultServer).catch((error) => { status.textContent = `Not saved: ${error.message}`; });
});
load();
