// The toolbar button opens the side panel (set on every service-worker start; Chrome keeps it per profile).
"use strict";

function openPanelOnClick() {
  chrome.sidePanel
    .setPanelBehavior({ openPanelOnActionClick: true })
    .catch((error) => console.error("side panel behaviour:", error));
}

chrome.runtime.onInstalled.addListener(openPanelOnClick);
openPanelOnClick();
