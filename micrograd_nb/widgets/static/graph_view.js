// GraphView: lays a computation graph out in the browser (Graphviz compiled to WebAssembly)
// and lets a learner pan, zoom, collapse modules and select nodes. The DOT text comes from
// Python; collapsing a module asks Python for a new DOT text (the `collapsed` trait).

const ZOOM_STEP = 1.25;
const DRAG_THRESHOLD_PX = 3;

// One Graphviz instance per page, shared by every GraphView (the module is large).
function loadGraphviz(moduleSource) {
  if (!globalThis.__micrograd_nb_graphviz) {
    const url = URL.createObjectURL(new Blob([moduleSource], { type: "text/javascript" }));
    globalThis.__micrograd_nb_graphviz = import(url).then((module) => module.Graphviz.load());
  }
  return globalThis.__micrograd_nb_graphviz;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, title, onClick) {
  const b = element("button", "mg-graph-button", label);
  b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

function titleOf(group) {
  const title = group.querySelector(":scope > title");
  return title ? title.textContent : "";
}

function render({ model, el }) {
  const root = element("div", "mg-graph-view");
  const toolbar = element("div", "mg-graph-toolbar");
  const body = element("div", "mg-graph-body");
  const canvas = element("div", "mg-graph-canvas");
  const info = element("div", "mg-graph-info", "Click a node to see its data, grad and rule.");
  const status = element("span", "mg-graph-status", "laying out…");
  body.append(canvas, info);
  root.append(toolbar, body);
  el.append(root);

  let svg = null;
  let full = null; // the whole drawing's viewBox [x, y, w, h]
  let view = null; // the visible part of it

  function setView(box) {
    view = box;
    if (!svg) return;
    svg.setAttribute("viewBox", view.join(" "));
    const zoom = full[2] / view[2];
    status.textContent = `zoom ${zoom.toFixed(2)}×`;
    model.set("zoom", zoom);
    model.save_changes();
  }

  function fit() {
    if (full) setView(full.slice());
  }

  function zoomAround(factor, cx, cy) {
    if (!view) return;
    const [x, y, w, h] = view;
    const nw = w / factor;
    const nh = h / factor;
    setView([cx - ((cx - x) * nw) / w, cy - ((cy - y) * nh) / h, nw, nh]);
  }

  function zoomCentre(factor) {
    if (view) zoomAround(factor, view[0] + view[2] / 2, view[1] + view[3] / 2);
  }

  function svgPoint(clientX, clientY) {
    const matrix = svg.getScreenCTM().inverse();
    const point = new DOMPoint(clientX, clientY).matrixTransform(matrix);
    return [point.x, point.y];
  }

  function setCollapsed(paths) {
    model.set("collapsed", Array.from(new Set(paths)).sort());
    model.save_changes();
  }

  toolbar.append(
    button("+", "zoom in", () => zoomCentre(ZOOM_STEP)),
    button("−", "zoom out", () => zoomCentre(1 / ZOOM_STEP)),
    button("fit", "show the whole graph", fit),
    button("collapse all", "collapse every innermost module (a layer, a neuron) into one box", () =>
      setCollapsed(model.get("innermost")),
    ),
    button("expand all", "show every module's nodes", () => setCollapsed([])),
    status,
  );

  function showInfo() {
    const name = model.get("selected");
    svg?.querySelectorAll("g.mg-selected").forEach((g) => g.classList.remove("mg-selected"));
    info.replaceChildren();
    if (!name) {
      info.textContent = "Click a node to see its data, grad and rule.";
      return;
    }
    const entry = model.get("nodes")[name];
    svg?.querySelector(`g.node[data-name="${CSS.escape(name)}"]`)?.classList.add("mg-selected");
    if (!entry) return;
    info.append(element("div", "mg-graph-info-title", entry.title));
    for (const key of ["data", "grad", "rule"]) {
      if (!entry[key]) continue;
      const row = element("div", `mg-graph-info-${key}`);
      row.append(element("b", "", `${key} `), element("pre", "", entry[key]));
      info.append(row);
    }
  }

  function click(target) {
    const node = target.closest("g.node");
    if (node) {
      if (node.dataset.module !== undefined) {
        setCollapsed(model.get("collapsed").filter((p) => p !== node.dataset.module));
      } else {
        model.set("selected", node.dataset.name);
        model.save_changes();
      }
      return;
    }
    const cluster = target.closest("g.cluster.mg-collapsible");
    if (cluster) setCollapsed([...model.get("collapsed"), cluster.dataset.module]);
  }

  // Drag to pan; a press that does not move is a click.
  let press = null;
  canvas.addEventListener("pointerdown", (event) => {
    if (!svg || event.button !== 0) return;
    press = { x: event.clientX, y: event.clientY, target: event.target, moved: false, start: view.slice() };
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!press) return;
    const dx = event.clientX - press.x;
    const dy = event.clientY - press.y;
    if (!press.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
    if (!press.moved) canvas.setPointerCapture(event.pointerId);
    press.moved = true;
    const scale = press.start[2] / canvas.clientWidth;
    const [x, y, w, h] = press.start;
    setView([x - dx * scale, y - dy * scale, w, h]);
  });
  canvas.addEventListener("pointerup", (event) => {
    if (press && !press.moved) click(press.target);
    press = null;
  });
  canvas.addEventListener(
    "wheel",
    (event) => {
      if (!svg) return;
      event.preventDefault();
      const [cx, cy] = svgPoint(event.clientX, event.clientY);
      zoomAround(Math.pow(ZOOM_STEP, -event.deltaY / 100), cx, cy);
    },
    { passive: false },
  );

  async function draw() {
    status.textContent = "laying out…";
    try {
      const graphviz = await loadGraphviz(model.get("_graphviz_module"));
      canvas.innerHTML = graphviz.layout(model.get("dot_source"), "svg", "dot");
    } catch (err) {
      status.textContent = `could not lay out the graph: ${err}`;
      model.set("error", String(err));
      model.save_changes();
      return;
    }
    svg = canvas.querySelector("svg");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    full = svg.getAttribute("viewBox").split(/[ ,]+/).map(Number);
    const clusters = model.get("clusters");
    // Name each module frame and node on the page (data-module, data-name) for styles and tests.
    svg.querySelectorAll("g.cluster").forEach((g) => {
      const path = clusters[titleOf(g)];
      if (path === undefined) return;
      g.classList.add("mg-collapsible");
      g.dataset.module = path;
      g.querySelector(":scope > title").textContent = `${path}: click to collapse`;
    });
    const boxes = model.get("boxes");
    svg.querySelectorAll("g.node").forEach((g) => {
      g.dataset.name = titleOf(g);
      const path = boxes[titleOf(g)];
      if (path === undefined) return;
      g.classList.add("mg-collapsed");
      g.dataset.module = path;
    });
    fit();
    showInfo();
    model.set("renders", model.get("renders") + 1);
    model.save_changes();
  }

  model.on("change:dot_source", draw);
  model.on("change:selected", showInfo);
  draw();
  return () => {
    model.off("change:dot_source", draw);
    model.off("change:selected", showInfo);
  };
}

export default { render };
