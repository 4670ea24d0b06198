// Browser side of emojify's BrowserCameraDemo (an anywidget module).
// The camera is opened here, in the learner's browser, only when Start is pressed. Small JPEG frames go to
// the Jupyter kernel through this widget's own comm channel; the kernel answers with faces, emotions and
// the emoji. Nothing is sent anywhere else and nothing is stored.

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function render({ model, el }) {
  const start = h("button", { class: "emojify-start" }, "▶ Start camera");
  const stop = h("button", { class: "emojify-stop" }, "■ Stop");
  stop.disabled = true;
  const status = h("div", { class: "emojify-status" }, "Press Start: your browser will ask to use the camera.");
  const video = h("video", { class: "emojify-video", autoplay: "", muted: "", playsinline: "" });
  const overlay = h("canvas", { class: "emojify-overlay" });
  const stage = h("div", { class: "emojify-stage" }, video, overlay);
  const emoji = h("img", { class: "emojify-emoji", alt: "" });
  const name = h("div", { class: "emojify-name" }, "—");
  const bars = h("div", { class: "emojify-bars" });
  const fps = h("div", { class: "emojify-fps" }, "");
  const note = h("div", { class: "emojify-note" }, model.get("note") || "");
  const side = h("div", { class: "emojify-side" }, emoji, name, bars, fps);
  el.append(h("div", { class: "emojify-root" },
    h("div", { class: "emojify-buttons" }, start, stop), h("div", { class: "emojify-row" }, stage, side), status, note));

  const canvas = document.createElement("canvas");
  let stream = null, running = false, waiting = false, timer = null, lastSent = 0, count = 0, t0 = 0;

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("emojify-error", isError);
  }

  function drawBoxes(faces) {
    overlay.width = video.clientWidth; overlay.height = video.clientHeight;
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    ctx.lineWidth = 3; ctx.font = "16px sans-serif";
    for (const f of faces) {
      const [x, y, w, hh] = [f.box[0] * overlay.width, f.box[1] * overlay.height, f.box[2] * overlay.width, f.box[3] * overlay.height];
      ctx.strokeStyle = "#ffcc00"; ctx.strokeRect(x, y, w, hh);
      const label = `${f.name} ${Math.round(f.score * 100)}%`;
      ctx.fillStyle = "#ffcc00"; ctx.fillRect(x, Math.max(0, y - 22), ctx.measureText(label).width + 8, 22);
      ctx.fillStyle = "#222"; ctx.fillText(label, x + 4, Math.max(16, y - 5));
    }
  }

  function showResult(msg) {
    waiting = false;
    if (!running) return;  // a late answer to a frame sent before Stop: the camera is off, keep it so
    if (msg.error) { say(msg.error, true); }
    drawBoxes(msg.faces || []);
    if (msg.faces && msg.faces.length) {
      emoji.src = msg.emoji; emoji.style.visibility = "visible";
      name.textContent = `${msg.faces[0].name} (${Math.round(msg.faces[0].score * 100)}%)`;
      bars.replaceChildren(...msg.names.map((n, i) => h("div", { class: "emojify-bar" },
        h("span", {}, n), h("span", { class: "emojify-fill", style: `width:${Math.round(msg.probs[i] * 100)}%` }))));
      if (!msg.error) say("Running: frames go only to your Jupyter kernel; nothing is stored.");
    } else if (!msg.error) {
      name.textContent = "no face"; emoji.style.visibility = "hidden";
    }
    count += 1;
    const secs = (performance.now() - t0) / 1000;
    if (secs > 0) fps.textContent = `${(count / secs).toFixed(1)} frames/s`;
    schedule();
  }

  function schedule() {
    if (!running) return;
    const wait = Math.max(0, model.get("interval_ms") - (performance.now() - lastSent));
    timer = setTimeout(sendFrame, wait);
  }

  function sendFrame() {
    if (!running || waiting || video.readyState < 2 || !video.videoWidth) { timer = setTimeout(sendFrame, 50); return; }
    const width = Math.min(model.get("send_width"), video.videoWidth);
    canvas.width = width; canvas.height = Math.round(video.videoHeight * width / video.videoWidth);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(async (blob) => {
      if (!blob || !running) { schedule(); return; }
      const buffer = await blob.arrayBuffer();
      waiting = true; lastSent = performance.now();
      model.send({ type: "frame", width: canvas.width, height: canvas.height }, undefined, [buffer]);
    }, "image/jpeg", 0.8);
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
    video.srcObject = stream;
    await video.play().catch(() => {});
    running = true; waiting = false; count = 0; t0 = performance.now();
    stop.disabled = false;
    say("Camera on: sending frames to your kernel…");
    sendFrame();
  }

  function stopCamera() {
    running = false; waiting = false;
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null; video.srcObject = null;
    start.disabled = false; stop.disabled = true;
    say("Stopped. The camera is off.");
  }

  const onMsg = (msg) => { if (msg && msg.type === "result") showResult(msg); };
  model.on("msg:custom", onMsg);
  model.on("change:note", () => { note.textContent = model.get("note") || ""; });
  start.addEventListener("click", startCamera);
  stop.addEventListener("click", stopCamera);
  return () => { stopCamera(); model.off("msg:custom", onMsg); };
}

export default { render };
