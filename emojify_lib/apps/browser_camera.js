// Browser side of emojify's BrowserCameraDemo (an anywidget module).
// The camera is opened here, in the learner's browser, only when Start is pressed. Small JPEG frames go to
// the Jupyter kernel through this widget's own comm channel; the kernel answers with faces, emotions and
// the emoji. Nothing is sent anywhere else, and nothing is stored unless Snapshot is pressed: then the kernel
// saves the PNG on its own machine (lesson 07, `make app`) or, in room mode (`make app-room`), sends it back and
// this page hands it to the visitor as a download, so nothing a visitor sends is kept on the server.
//
// Rate: one frame in flight. The next frame leaves as soon as the answer to the last one is back, but no
// sooner than the camera delivers a new picture (or max_fps, when set). A fast kernel gives a smooth demo;
// a slow or far-away one (JupyterHub, Colab) gives fewer frames per second, never a growing queue.

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const COLORS = { angry: "#e63c3c", disgust: "#3caa3c", fear: "#a078c8", happy: "#ffc828", sad: "#3c8cdc",
                 surprise: "#28c8f0", neutral: "#c8c8c8" };
const STALL_MS = 3000;   // no answer for this long: say the kernel is slow
const RESEND_MS = 10000; // no answer for this long: assume it was lost (kernel restarted) and send again

function render({ model, el }) {
  const start = h("button", { class: "emojify-start" }, "▶ Start camera");
  const stop = h("button", { class: "emojify-stop" }, "■ Stop");
  stop.disabled = true;
  const coverBox = h("input", { type: "checkbox", class: "emojify-cover" });
  coverBox.checked = model.get("cover");
  const cover = h("label", { class: "emojify-switch", title: "cover each face with its emoji" }, coverBox, " emojify");
  const snap = h("button", { class: "emojify-snapshot", title: "the annotated picture as a PNG" }, "Snapshot");
  snap.disabled = true;
  const picker = h("select", { class: "emojify-model", title: "which model classifies the faces" });
  const pickerRow = h("label", { class: "emojify-picker" }, "Model: ", picker);
  const status = h("div", { class: "emojify-status" }, "Press Start: your browser will ask to use the camera.");
  const video = h("video", { class: "emojify-video", autoplay: "", muted: "", playsinline: "" });
  const overlay = h("canvas", { class: "emojify-overlay" });
  const stage = h("div", { class: "emojify-stage" }, video, overlay);
  const emoji = h("img", { class: "emojify-emoji", alt: "" });
  const name = h("div", { class: "emojify-name" }, "—");
  const bars = h("div", { class: "emojify-bars" });
  const fps = h("div", { class: "emojify-fps" }, "");
  const note = h("div", { class: "emojify-note" }, model.get("note") || "");
  const saved = h("div", { class: "emojify-saved" }, "");
  const side = h("div", { class: "emojify-side" }, emoji, name, bars, fps);
  const root = h("div", { class: "emojify-root" },
    h("div", { class: "emojify-buttons" }, start, stop, cover, snap, pickerRow),
    h("div", { class: "emojify-row" }, stage, side), status, saved, note);
  el.append(root);

  const images = {};
  function loadEmojis() {
    for (const [emotion, url] of Object.entries(model.get("emojis") || {})) {
      const img = new Image(); img.src = url; images[emotion] = img;
    }
  }
  function fillPicker() {
    const options = model.get("models") || [];
    picker.replaceChildren(...options.map(([label, value]) => h("option", { value }, label)));
    picker.value = model.get("model_path");
    pickerRow.style.display = options.length > 1 ? "" : "none";
  }
  loadEmojis(); fillPicker();

  const canvas = document.createElement("canvas");
  let stream = null, running = false, timer = null, watchdog = null;
  let inFlight = false, sentAt = 0, lastSent = 0, minGap = 1000 / 30, lastFaces = [];
  const rtts = [], kernelMs = [], answers = [];

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("emojify-error", isError);
  }

  function drawFaces(faces) {
    overlay.width = video.clientWidth; overlay.height = video.clientHeight;
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const covering = coverBox.checked;
    for (const f of faces) {
      const [x, y, w, hh] = [f.box[0] * overlay.width, f.box[1] * overlay.height, f.box[2] * overlay.width, f.box[3] * overlay.height];
      const color = COLORS[f.emotion] || "#ffcc00";
      ctx.lineWidth = 3; ctx.strokeStyle = color; ctx.strokeRect(x, y, w, hh);
      const img = images[f.emotion];
      if (img && img.complete) {
        if (covering) {  // the classic fun mode: the emoji hides the face
          const size = Math.max(w, hh) * 1.15;
          ctx.drawImage(img, x + (w - size) / 2, y + (hh - size) / 2, size, size);
        } else {  // on the box's top-right corner, clear of neighbouring faces
          const size = Math.max(24, hh * 0.45);
          ctx.drawImage(img, x + w - size * 2 / 3, y - size / 3, size, size);
        }
      }
      // each face's label, under its box (inside it at the bottom edge), drawn last so no emoji hides it
      const label = `${f.name} ${Math.round(f.score * 100)}%`;
      ctx.font = `bold ${Math.round(Math.max(12, Math.min(20, w / 8)))}px sans-serif`;
      const th = parseInt(ctx.font.match(/(\d+)px/)[1], 10) + 8;
      const top = Math.min(y + hh, overlay.height - th);
      ctx.fillStyle = color; ctx.fillRect(x, top, ctx.measureText(label).width + 8, th);
      ctx.fillStyle = "#222"; ctx.fillText(label, x + 4, top + th - 6);
    }
  }

  function showStats(now) {
    while (answers.length && now - answers[0] > 2000) answers.shift();  // answers in the last 2 s
    const rate = answers.length > 1 ? (answers.length - 1) * 1000 / (answers[answers.length - 1] - answers[0]) : 0;
    const rtt = median(rtts), kernel = median(kernelMs);
    fps.textContent = `${rate.toFixed(1)} frames/s · round trip ${Math.round(rtt)} ms (median; kernel ${Math.round(kernel)} ms)`;
    root.dataset.fps = rate.toFixed(2); root.dataset.rttMs = rtt.toFixed(1); root.dataset.kernelMs = kernel.toFixed(1);
    root.dataset.answers = String(Number(root.dataset.answers || 0) + 1);
  }

  function showResult(msg) {
    if (!running) return;  // the answer to a frame sent just before Stop
    const now = performance.now();
    inFlight = false;
    rtts.push(now - sentAt); if (rtts.length > 50) rtts.shift();  // medians of the last 50 frames
    if (msg.ms !== undefined) { kernelMs.push(msg.ms); if (kernelMs.length > 50) kernelMs.shift(); }
    answers.push(now);
    if (msg.error) { say(msg.error, true); }
    lastFaces = msg.faces || [];
    drawFaces(lastFaces);
    if (lastFaces.length) {
      if (images[lastFaces[0].emotion]) emoji.src = images[lastFaces[0].emotion].src;
      emoji.style.visibility = "visible";
      name.textContent = `${lastFaces[0].name} (${Math.round(lastFaces[0].score * 100)}%)`;
      bars.replaceChildren(...msg.names.map((n, i) => h("div", { class: "emojify-bar" },
        h("span", {}, n), h("span", { class: "emojify-fill", style: `width:${Math.round(msg.probs[i] * 100)}%` }))));
      if (!msg.error) say(`Running: ${lastFaces.length} face(s); frames go only to this page's kernel; nothing is stored.`);
    } else if (!msg.error) {
      name.textContent = "no face"; emoji.style.visibility = "hidden";
      say("Running: no face found; frames go only to this page's kernel; nothing is stored.");
    }
    showStats(now);
    pump();
  }

  function grab(width) {
    canvas.width = width; canvas.height = Math.round(video.videoHeight * width / video.videoWidth);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  }

  // Send the next frame if none is in flight and the camera has had time to deliver a new picture.
  function pump() {
    clearTimeout(timer);
    if (!running || inFlight) return;
    const cap = model.get("max_fps") > 0 ? 1000 / model.get("max_fps") : minGap;
    const wait = lastSent + cap - performance.now();
    if (wait > 1) { timer = setTimeout(pump, wait); return; }
    if (video.readyState < 2 || !video.videoWidth) { timer = setTimeout(pump, 30); return; }
    inFlight = true; lastSent = performance.now();
    grab(Math.min(model.get("send_width"), video.videoWidth)).then(async (blob) => {
      if (!running) return;
      if (!blob) { inFlight = false; timer = setTimeout(pump, 30); return; }
      const buffer = await blob.arrayBuffer();
      sentAt = performance.now();  // the round trip counts from here: encoding is the browser's own time
      model.send({ type: "frame" }, undefined, [buffer]);
    });
  }

  function checkStall() {
    if (!running || !inFlight || !sentAt) return;
    const late = performance.now() - sentAt;
    if (late > RESEND_MS) { inFlight = false; say("No answer from the kernel for 10 s: sending a new frame…", true); pump(); }
    else if (late > STALL_MS) say(`Waiting for the kernel (${(late / 1000).toFixed(0)} s): it is busy or far away…`);
  }

  async function snapshot() {
    if (!running || !video.videoWidth) return;
    snap.disabled = true;
    const blob = await grab(video.videoWidth);  // the full-size picture; the kernel draws the faces and saves it
    model.send({ type: "snapshot" }, undefined, [await blob.arrayBuffer()]);
  }

  async function startCamera() {
    if (!window.isSecureContext) {
      say("This page is not a secure context, so the browser will not share the camera. Open JupyterLab over " +
          "https:// or http://localhost.", true);
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("This browser cannot share a camera (no navigator.mediaDevices.getUserMedia).", true);
      return;
    }
    start.disabled = true; say("Asking for camera permission…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    } catch (err) {
      start.disabled = false;
      const why = err.name === "NotAllowedError" ? "camera permission was refused; allow it in the address bar and press Start again"
        : err.name === "NotFoundError" ? "no camera was found on this computer"
        : err.name === "NotReadableError" ? "the camera is busy in another program" : `${err.name}: ${err.message}`;
      say(`Could not open the camera: ${why}.`, true);
      return;
    }
    const settings = stream.getVideoTracks()[0].getSettings();
    minGap = 1000 / (settings.frameRate || 30);  // never faster than the camera makes new pictures
    video.srcObject = stream;
    await video.play().catch(() => {});
    running = true; inFlight = false; sentAt = 0; lastSent = 0;
    rtts.length = 0; kernelMs.length = 0; answers.length = 0; root.dataset.answers = "0";
    stop.disabled = false; snap.disabled = false;
    watchdog = setInterval(checkStall, 1000);
    say("Camera on: sending frames to your kernel…");
    pump();
  }

  function stopCamera() {
    running = false; inFlight = false;
    clearTimeout(timer); clearInterval(watchdog);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null; video.srcObject = null;
    start.disabled = false; stop.disabled = true; snap.disabled = true;
    say("Stopped. The camera is off.");
  }

  // Room mode: the kernel sends the snapshot's PNG bytes back; the browser saves them as a download.
  function download(name, buffer) {
    const url = URL.createObjectURL(new Blob([buffer], { type: "image/png" }));
    const link = h("a", { href: url, download: name, style: "display:none" });
    root.append(link); link.click(); link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  const onMsg = (msg, buffers) => {
    if (!msg) return;
    if (msg.type === "result") showResult(msg);
    else if (msg.type === "saved" || msg.type === "snapshot") {
      snap.disabled = !running;
      let text = msg.error;
      if (!text && msg.type === "snapshot" && buffers && buffers.length) {
        download(msg.name, buffers[0]);
        text = `Snapshot downloaded to this device as ${msg.name}; nothing was kept on the server.`;
      } else if (!text) text = `Snapshot saved on the kernel's machine: ${msg.path}`;
      saved.textContent = text;
      saved.classList.toggle("emojify-error", Boolean(msg.error));
    } else if (msg.type === "refused") {
      say(msg.error, true);
    }
  };
  model.on("msg:custom", onMsg);
  model.on("change:note", () => { note.textContent = model.get("note") || ""; });
  model.on("change:emojis", loadEmojis);
  model.on("change:models", fillPicker);
  model.on("change:model_path", () => { picker.value = model.get("model_path"); });
  coverBox.addEventListener("change", () => {
    model.set("cover", coverBox.checked); model.save_changes(); drawFaces(lastFaces);
  });
  model.on("change:cover", () => { coverBox.checked = model.get("cover"); drawFaces(lastFaces); });
  picker.addEventListener("change", () => { model.set("model_path", picker.value); model.save_changes(); });
  snap.addEventListener("click", snapshot);
  start.addEventListener("click", startCamera);
  stop.addEventListener("click", stopCamera);
  return () => { stopCamera(); model.off("msg:custom", onMsg); };
}

export default { render };
