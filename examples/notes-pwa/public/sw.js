// Service worker of the notes example: it keeps every file of the app in the
// Cache Storage so the app opens and works without a network. Notes and keys
// live in IndexedDB, never here.
const CACHE = "notes-pwa-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(removeOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;

  event.respondWith(networkFirst(request));
});

async function precache() {
  const cache = await caches.open(CACHE);
  const files = ["./", "./index.html", "./manifest.webmanifest"];

  // precache.json lists the built files; the dev server has none, and there
  // the cache fills as the page loads files.
  try {
    const response = await fetch("./precache.json", { cache: "no-store" });
    if (response.ok) files.push(...(await response.json()));
  } catch {
    // Offline during install: the runtime cache below still fills.
  }

  await cache.addAll(files);
}

async function removeOldCaches() {
  for (const name of await caches.keys()) {
    if (name !== CACHE) await caches.delete(name);
  }
}

// The network first, so a new build takes effect at once; the cached copy
// when the network fails.
async function networkFirst(request) {
  const cache = await caches.open(CACHE);

  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    // ignoreVary: the server marks files "Vary: Origin", and module scripts
    // are requested with an Origin header that the precache requests lacked.
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached !== undefined) return cached;

    if (request.mode === "navigate") {
      const page = await cache.match("./index.html");
      if (page !== undefined) return page;
    }
    throw error;
  }
}
