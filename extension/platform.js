// Where the panel runs: the Chrome extension (chrome.* APIs, a configurable server) or the server's own web page
// at `/` (same origin, no chrome.* APIs). panel.js talks to the server only through window.WOPlatform.
"use strict";

(function () {
  const DEFAULT_SERVER = "http://127.0.0.1:8080";
  const TOKEN_KEY = "serverToken";
  const inExtension = location.protocol === "chrome-extension:" && !!(globalThis.chrome && chrome.storage);

  function normalize(url) {
    return String(url || DEFAULT_SERVER).trim().replace(/\/+$/, "");
  }

  const extension = {
    isExtension: true,
    defaultServer: DEFAULT_SERVER,
    normalize,
    async serverUrl() {
      const { serverUrl } = await chrome.storage.sync.get({ serverUrl: DEFAULT_SERVER });
      return normalize(serverUrl);
    },
    // The server's bearer lives in session storage: gone when the browser closes, never synced.
    async loadToken() {
      return (await chrome.storage.session.get(TOKEN_KEY))[TOKEN_KEY] || null;
    },
    saveToken(token) {
      return chrome.storage.session.set({ [TOKEN_KEY]: token });
    },
    clearToken() {
      return chrome.storage.session.remove(TOKEN_KEY);
    },
    // A Google access token from the person's Chrome profile (null when Chrome cannot give one).
    async googleToken(interactive) {
      if (!chrome.identity || !chrome.identity.getAuthToken) return null;
      const result = await chrome.identity.getAuthToken({ interactive: !!interactive });
      return typeof result === "string" ? result : (result && result.token) || null;
    },
    async dropGoogleToken(token) {
      if (token && chrome.identity && chrome.identity.removeCachedAuthToken) {
        await chrome.identity.removeCachedAuthToken({ token });
      }
    },
    openOptions() {
      chrome.runtime.openOptionsPage();
    },
    onServerChange(listener) {
      chrome.storage.onChanged.addListener((changes, area) => {
        if (area === "sync" && changes.serverUrl) listener();
      });
    },
  };

  const web = {
    isExtension: false,
    defaultServer: "",
    normalize,
    async serverUrl() {
      return ""; // same origin: the page is served by the server it talks to
    },
    async loadToken() {
      try {
        return JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
      } catch (error) {
        return null;
      }
    },
    async saveToken(token) {
      sessionStorage.setItem(TOKEN_KEY, JSON.stringify(token));
    },
    async clearToken() {
      sessionStorage.removeItem(TOKEN_KEY);
    },
    async googleToken() {
      return null; // no chrome.identity on a web page: demo mode or a cookie session
    },
    async dropGoogleToken() {},
    // Google sign-in for the web page: the server's own OAuth flow, back to this page with a session cookie.
    webLogin() {
      location.assign("/auth/login?next=/");
    },
    openOptions: null,
    onServerChange() {},
  };

  window.WOPlatform = inExtension ? extension : web;
})();
