// The shopper's page: every text from the server is set with textContent, never parsed as HTML.
"use strict";

const MAX_BYTES = 8 * 1024 * 1024;
const TYPES = ["image/jpeg", "image/png", "image/webp"];
// The vision plugin analyses a photo shrunk to at most this many pixels on its longer side.
const ANALYSED_SIDE = 2048;
const EXAMPLES = ["what is this?", "what colour is this?", "what brand is this?", "这件衣服是什么颜色？", "which Puma shoes do you have?"];

const state = { photo: null, photoName: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else if (name === "onclick") node.addEventListener("click", value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.field ? `${body.error} (field: ${body.field})` : body.error);
  }
  return body;
}

function photoUrl(path) {
  return "/photo?path=" + encodeURIComponent(path);
}

function status(id, text) {
  $(id).textContent = text || "";
}

async function loadSamples() {
  const photos = await api("/api/photos");
  const strip = $("samples");
  strip.replaceChildren();
  for (const photo of photos) {
    const button = el("button", { type: "button", title: `${photo.name || ""} (${photo.product})`, "data-product": photo.product },
      el("img", { src: photoUrl(photo.path), alt: photo.name || photo.product }));
    button.addEventListener("click", async () => {
      for (const other of strip.children) other.classList.remove("chosen");
      button.classList.add("chosen");
      const response = await fetch(photoUrl(photo.path));
      await choosePhoto(await response.blob(), photo.path.split("/").pop());
    });
    strip.append(button);
  }
}

async function loadCustomers() {
  const customers = await api("/api/customers");
  const select = $("customer");
  for (const c of customers) {
    select.append(el("option", { value: c.id, text: `${c.id.slice(0, 12)}… (${c.purchases} purchases)` }));
  }
}

async function choosePhoto(blob, name) {
  if (!TYPES.includes(blob.type)) {
    status("photo-status", `${name} is not a JPEG, PNG or WebP image`);
    return;
  }
  if (blob.size > MAX_BYTES) {
    status("photo-status", `${name} is ${blob.size} bytes; the most accepted is ${MAX_BYTES}`);
    return;
  }
  state.photo = blob;
  state.photoName = name;
  $("photo-view").hidden = false;
  $("detections").replaceChildren();
  const image = await createImageBitmap(blob);
  drawPhoto(image, []);
  status("photo-status", "looking at the photo…");
  const form = new FormData();
  form.append("photo", blob, name);
  try {
    const found = await api("/api/similar", { method: "POST", body: form });
    drawPhoto(image, found);
    showMatches(found);
    status("photo-status", "");
  } catch (error) {
    status("photo-status", error.message);
  }
}

function drawPhoto(image, found) {
  const canvas = $("photo-canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const g = canvas.getContext("2d");
  g.drawImage(image, 0, 0);
  const scale = Math.max(image.width, image.height) > ANALYSED_SIDE ? Math.max(image.width, image.height) / ANALYSED_SIDE : 1;
  g.lineWidth = Math.max(2, image.width / 200);
  g.font = `${Math.max(12, Math.round(image.width / 28))}px sans-serif`;
  for (const d of found) {
    if (d.index === null) continue;
    g.strokeStyle = "#ff3b30";
    g.fillStyle = "rgba(255, 59, 48, 0.18)";
    if (d.polygon.length > 2) {
      g.beginPath();
      d.polygon.forEach(([x, y], i) => (i ? g.lineTo(x * scale, y * scale) : g.moveTo(x * scale, y * scale)));
      g.closePath();
      g.fill();
      g.stroke();
    }
    const [x1, y1, x2, y2] = d.box.map((v) => v * scale);
    g.strokeStyle = "#2870c2";
    g.strokeRect(x1, y1, x2 - x1, y2 - y1);
    const label = `${d.class_name} ${d.confidence.toFixed(2)} ${d.colour || ""}`;
    g.fillStyle = "#2870c2";
    g.fillRect(x1, y1, g.measureText(label).width + 8, parseInt(g.font, 10) + 6);
    g.fillStyle = "#fff";
    g.fillText(label, x1 + 4, y1 + parseInt(g.font, 10));
  }
}

function showMatches(found) {
  const list = $("detections");
  list.replaceChildren();
  for (const d of found) {
    const title = d.index === null ? "The whole photo (no object detected)" : `Object ${d.index}: ${d.class_name} ${d.confidence.toFixed(2)}, ${d.colour || "?"}`;
    const matches = el("ul", { class: "matches" });
    for (const m of d.matches) {
      matches.append(el("li", { "data-product": m.product },
        m.image ? el("img", { src: photoUrl(m.image), alt: m.name || m.product }) : "",
        el("div", { text: m.name || m.product }),
        el("div", { class: "meta", text: `${m.product} · ${m.score.toFixed(3)}` })));
    }
    if (!d.matches.length) matches.append(el("li", { text: "no catalog photo found" }));
    list.append(el("div", { class: "detection" }, el("h3", { text: title }), matches));
  }
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) {
    status("ask-status", "type a question first");
    return;
  }
  const form = new FormData();
  form.append("question", question);
  if ($("customer").value) form.append("customer", $("customer").value);
  if (state.photo) form.append("photo", state.photo, state.photoName);
  status("ask-status", "thinking…");
  $("ask-button").disabled = true;
  try {
    const answer = await api("/api/ask", { method: "POST", body: form });
    $("answer").hidden = false;
    $("answer-text").textContent = answer.text;
    $("answer-english").textContent = answer.language !== "en" && answer.english ? answer.english : "";
    const sure = answer.known ? `confidence ${answer.confidence.toFixed(2)}` : "not known";
    $("answer-meta").textContent = `${answer.intent} · ${sure} · ${answer.queries.length} queries`;
    $("answer-products").replaceChildren(...answer.products.slice(0, 5).map((p) =>
      el("li", { text: `${p.name || p.id} (${p.id}, ${p.how}${p.score === null ? "" : ` ${p.score.toFixed(3)}`})` })));
    status("ask-status", "");
  } catch (error) {
    status("ask-status", error.message);
  } finally {
    $("ask-button").disabled = false;
  }
}

async function recommendations() {
  const customer = $("customer").value;
  if (!customer) {
    status("recommend-status", "pick a customer first");
    return;
  }
  status("recommend-status", "ranking…");
  try {
    const result = await api("/api/recommend?customer=" + encodeURIComponent(customer) + "&k=5");
    const list = $("recommendations");
    list.replaceChildren();
    for (const r of result.items) {
      const reasons = el("ul", { class: "reasons" }, ...r.reasons.map((text) => el("li", { text })));
      const why = el("button", { type: "button", text: "why?" });
      why.addEventListener("click", async () => {
        const explanation = await api(`/api/explain?customer=${encodeURIComponent(customer)}&product=${encodeURIComponent(r.product)}`);
        reasons.replaceChildren(...explanation.reasons.map((reason) => el("li", { text: reason.text })));
      });
      list.append(el("li", { "data-product": r.product },
        el("strong", { text: r.name || r.product }), ` ${r.brand || ""} · ${r.category || ""} · ${r.score.toFixed(3)} `, why, reasons));
    }
    status("recommend-status", result.note || `from ${result.source}`);
  } catch (error) {
    status("recommend-status", error.message);
  }
}

function start() {
  $("photo-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) choosePhoto(file, file.name);
  });
  $("photo-clear").addEventListener("click", () => {
    state.photo = null;
    $("photo-view").hidden = true;
    $("detections").replaceChildren();
    $("photo-input").value = "";
  });
  $("ask-form").addEventListener("submit", ask);
  $("recommend-button").addEventListener("click", recommendations);
  $("examples").append(...EXAMPLES.map((text) => el("button", { type: "button", text, onclick: () => { $("question").value = text; } })));
  Promise.all([loadSamples(), loadCustomers()])
    .then(() => { document.body.dataset.ready = "true"; })
    .catch((error) => status("photo-status", error.message));
}

document.addEventListener("DOMContentLoaded", start);
