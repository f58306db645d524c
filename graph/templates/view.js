// The page's behaviour: draws the embedded network with vis-network, and builds the legend,
// filters, search results, hover card and details panel. Every piece of data reaches the page
// as text (textContent, canvas labels): never as HTML, since names and sentences come from
// crawled documents.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("graph-data").textContent);
  // Short texts are written once in data.strings (index 0: none) and documents once in
  // data.documents, as [file, title, sentences]; a row's evidence is the place of its sentence
  // among its document's (0: none). Edges are [from, to, relation, label, curve] rows with nodes
  // by position (graph/render.py, pack_page).
  const text = (index) => data.strings[index];
  const sentence = (sentences, place) => (place ? sentences[place - 1] : null);
  data.edges = data.edges.map(([from, to, relation, label, curve], index) => ({
    id: "e" + index, from: data.nodes[from].id, to: data.nodes[to].id, relation: text(relation), label: text(label), curve,
  }));
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  const styleOf = new Map(data.types.map((t) => [t.type, t]));
  const fallbackStyle = { color: "#8c8c8c", shape: "dot", symbol: "●" };
  const $ = (id) => document.getElementById(id);

  // --- Text helpers ---------------------------------------------------------------------

  const FOLD = { "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i", "þ": "th" };
  /** Case-, accent- and direction-mark-insensitive form, as graph/render.py's fold(). */
  function fold(text) {
    return String(text || "")
      .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[øæœßđłıþ]/g, (c) => FOLD[c])
      .trim();
  }

  /** A new element with optional class and text; text always goes in as a text node. */
  function el(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function shorten(text, length) {
    const chars = Array.from(String(text));
    return chars.length > length ? chars.slice(0, length - 1).join("") + "…" : chars.join("");
  }

  const number = (n) => n.toLocaleString("en-GB");
  const LIST_LIMIT = 100; // a hub's panel lists this many connections or mentions, then a count
  const styleFor = (type) => styleOf.get(type) || fallbackStyle;

  // --- Neighbours, for filters and the panel -------------------------------------------

  const links = new Map(data.nodes.map((node) => [node.id, []]));
  for (const edge of data.edges) {
    if (links.has(edge.from)) links.get(edge.from).push({ edge, other: edge.to, outgoing: true });
    if (links.has(edge.to)) links.get(edge.to).push({ edge, other: edge.from, outgoing: false });
  }

  // --- vis data, with a DataView so filters hide nodes instead of removing them ---------

  function darker(hex, factor) {
    const value = parseInt(hex.slice(1), 16);
    const channel = (shift) => Math.round(((value >> shift) & 255) * factor);
    return "rgb(" + channel(16) + "," + channel(8) + "," + channel(0) + ")";
  }

  function visNode(node) {
    const style = styleFor(node.type);
    return {
      id: node.id,
      label: shorten(node.label, 34),
      x: node.x,
      y: node.y,
      size: style.shape === "star" ? node.size * 1.2 : node.size,
      shape: style.shape,
      color: {
        background: style.color,
        border: darker(style.color, 0.7),
        highlight: { background: style.color, border: "#111827" },
        hover: { background: style.color, border: "#111827" },
      },
    };
  }

  function visEdge(edge) {
    const isRole = edge.relation === "holds role";
    const item = {
      id: edge.id,
      from: edge.from,
      to: edge.to,
      label: large ? undefined : shorten(edge.label, 40),
      width: isRole ? 2 : 1,
      color: { color: isRole ? "#7f9cc0" : "#c3c8d1", highlight: "#1f2937", hover: "#4b5563" },
    };
    if (isRole) item.font = { color: "#2f4b6e", size: 13 };
    if (edge.curve > 0) {
      item.smooth = { enabled: true, type: edge.curve % 2 ? "curvedCW" : "curvedCCW", roundness: 0.18 * Math.ceil(edge.curve / 2) };
    }
    return item;
  }

  const large = !data.meta.physics;
  const nodes = new vis.DataSet(data.nodes.map(visNode));
  const edges = new vis.DataSet(data.edges.map(visEdge));
  let visible = new Set(byId.keys());
  const nodeView = new vis.DataView(nodes, { filter: (item) => visible.has(item.id) });
  const edgeView = new vis.DataView(edges, { filter: (item) => visible.has(item.from) && visible.has(item.to) });

  // Arrow heads are most of a frame's drawing; on a large view they are drawn only once zoomed in
  // far enough to see them (below this scale they are a pixel or less).
  const ARROW_SCALE = 0.5;
  let arrows = !large;
  const options = {
    autoResize: true,
    nodes: {
      borderWidth: 2,
      borderWidthSelected: 3,
      font: { size: 15, face: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", color: "#1f2430", strokeWidth: 4, strokeColor: "#ffffff" },
      scaling: { label: { drawThreshold: 7 } },
    },
    edges: {
      arrows: { to: { enabled: arrows, scaleFactor: 0.45 } },
      font: { size: 12, face: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", color: "#5b6270", strokeWidth: 4, strokeColor: "#ffffff", align: "horizontal" },
      smooth: false,
      selectionWidth: 1.5,
    },
    interaction: { hover: true, tooltipDelay: 80, hideEdgesOnDrag: large, hideEdgesOnZoom: large, navigationButtons: false, keyboard: false },
    layout: { improvedLayout: false },
    physics: data.meta.physics
      ? {
          solver: "forceAtlas2Based",
          forceAtlas2Based: { gravitationalConstant: -160, centralGravity: 0.03, springLength: 130, springConstant: 0.04, avoidOverlap: 1 },
          stabilization: { enabled: true, iterations: 400, fit: true },
        }
      : false,
  };

  const container = $("network");
  const network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);
  // For tests and the curious: the vis objects, and selection by IRI.
  window.kgView = { network, nodes, edges, nodeView, edgeView, select: selectNode, fold };

  /** Mark the page ready (body[data-ready]) once drawn, opened on the focus if there is one. */
  function whenDrawn() {
    network.once("afterDrawing", () => (document.body.dataset.ready = "true"));
    if (data.meta.focus && byId.has(data.meta.focus)) selectNode(data.meta.focus, false);
    network.redraw();
  }

  /** Runs last, once every helper exists; vis stabilises in later tasks, so the event is not missed. */
  function start() {
    if (data.meta.physics) {
      network.once("stabilizationIterationsDone", settle);
    } else {
      fitWithMargin();
      whenDrawn();
    }
  }

  /** Freeze the settled layout: a calm page is easier to read, and dragging still works. */
  function settle() {
    network.setOptions({ physics: false });
    fitWithMargin();
    whenDrawn();
  }

  /** Fit the nodes, then step back a little so labels at the edges stay readable. */
  function fitWithMargin() {
    network.fit({ maxZoomLevel: 1.4 });
    network.moveTo({ scale: network.getScale() * 0.9 });
    showArrows();
  }

  /** A large view's arrow heads: on when zoomed in to ARROW_SCALE or more, off below. */
  function showArrows() {
    const wanted = !large || network.getScale() >= ARROW_SCALE;
    if (wanted === arrows) return;
    arrows = wanted;
    network.setOptions({ edges: { arrows: { to: { enabled: wanted, scaleFactor: 0.45 } } } });
  }
  network.on("zoom", showArrows);
  network.on("animationFinished", showArrows);

  // --- Legend and filters ------------------------------------------------------------------

  const filters = { types: new Set(data.types.filter((t) => t.count > 0).map((t) => t.type)), sector: "", country: "" };

  function buildLegend() {
    const legend = $("legend");
    for (const t of data.types) {
      const item = el("li", "legend-item" + (t.count ? "" : " legend-empty"));
      const label = el("label");
      const box = el("input");
      box.type = "checkbox";
      box.checked = t.count > 0;
      box.disabled = t.count === 0;
      box.dataset.type = t.type;
      box.addEventListener("change", () => {
        if (box.checked) filters.types.add(t.type);
        else filters.types.delete(t.type);
        applyFilters();
      });
      const symbol = el("span", "legend-symbol", t.symbol);
      symbol.style.color = t.color;
      label.append(box, symbol, el("span", "legend-name", t.type), el("span", "legend-count", number(t.count)));
      item.append(label);
      legend.append(item);
    }
  }

  function fillSelect(select, values) {
    for (const value of Array.from(values).sort((a, b) => a.localeCompare(b))) {
      const option = el("option", null, value);
      option.value = value;
      select.append(option);
    }
  }

  const sectorsOf = (node) => (node.type === "Sector" ? [node.label] : node.sectors);
  const countriesOf = (node) => (node.type === "Country" ? [node.label] : node.countries);

  /** Own values, or, for a node with none (a person, a paper), its neighbours' values. */
  function passes(node, wanted, valuesOf, ownType) {
    if (!wanted) return true;
    const own = valuesOf(node);
    if (own.length || node.type === ownType) return own.includes(wanted);
    return links.get(node.id).some((link) => valuesOf(byId.get(link.other)).includes(wanted));
  }

  function applyFilters() {
    visible = new Set();
    for (const node of data.nodes) {
      if (
        filters.types.has(node.type) &&
        passes(node, filters.sector, sectorsOf, "Sector") &&
        passes(node, filters.country, countriesOf, "Country")
      ) {
        visible.add(node.id);
      }
    }
    nodeView.refresh();
    edgeView.refresh();
    updateStats();
    if (nodeView.length) fitWithMargin();
  }

  function updateStats() {
    const shown = nodeView.length;
    const total = data.nodes.length;
    const nodeText = shown === total ? number(total) + " nodes" : number(shown) + " of " + number(total) + " nodes";
    $("stats").textContent = nodeText + " · " + number(edgeView.length) + " edges";
  }

  function resetView() {
    filters.types = new Set(data.types.filter((t) => t.count > 0).map((t) => t.type));
    for (const box of document.querySelectorAll("#legend input")) box.checked = !box.disabled;
    filters.sector = filters.country = "";
    $("filter-sector").value = $("filter-country").value = "";
    applyFilters();
    network.unselectAll();
    showPanel(null);
  }

  function buildNotes() {
    const notes = $("notes");
    const meta = data.meta;
    if (meta.omitted_nodes > 0) {
      const note = el("p", "note note-warning");
      const parts = Object.entries(meta.omitted_by_type).map(([type, count]) => number(count) + " " + type);
      note.append(
        el("strong", null, "Only part of the graph is drawn. "),
        document.createTextNode(
          "The " + number(data.nodes.length) + " best-connected of " + number(meta.selected_nodes) +
          " nodes are shown; left out: " + number(meta.omitted_nodes) + " nodes (" + parts.join(", ") + ") and " +
          number(meta.omitted_edges) + " edges. Draw less with focus or types."
        )
      );
      notes.append(note);
    }
    if (!meta.physics) {
      notes.append(el("p", "note", "Layout computed in advance and fixed: live physics is off for this many nodes."));
    }
    if (meta.focus && byId.has(meta.focus)) {
      notes.append(el("p", "note", "Neighbourhood of " + byId.get(meta.focus).label + "."));
    }
  }

  // --- Search --------------------------------------------------------------------------------

  const searchIndex = data.nodes.map((node) => ({
    node,
    label: fold(node.label),
    aliases: node.aliases.map(fold),
  }));

  /** Best matches first: label prefix, word prefix, label substring, then aliases. */
  function search(query) {
    const wanted = fold(query);
    if (!wanted) return [];
    const scored = [];
    for (const entry of searchIndex) {
      let score = -1;
      if (entry.label === wanted) score = 0;
      else if (entry.label.startsWith(wanted)) score = 1;
      else if (entry.label.split(/[\s\-–—/,.()]+/).some((word) => word.startsWith(wanted))) score = 2;
      else if (entry.label.includes(wanted)) score = 3;
      else if (entry.aliases.some((alias) => alias.includes(wanted))) score = 4;
      if (score >= 0) scored.push([score, entry.node]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label));
    return scored.slice(0, 12).map((pair) => pair[1]);
  }

  let results = [];
  let active = -1;

  function renderResults() {
    const list = $("search-results");
    list.replaceChildren();
    list.hidden = !$("search").value.trim();
    if (list.hidden) return;
    if (!results.length) {
      list.append(el("li", "search-empty", "No match"));
      return;
    }
    results.forEach((node, index) => {
      const item = el("li", "search-result" + (index === active ? " active" : ""));
      item.setAttribute("role", "option");
      item.dataset.id = node.id;
      const symbol = el("span", "legend-symbol", styleFor(node.type).symbol);
      symbol.style.color = styleFor(node.type).color;
      const alias = fold(node.label).includes(fold($("search").value)) ? null : node.aliases.find((a) => fold(a).includes(fold($("search").value)));
      item.append(symbol, el("span", "search-label", node.label));
      if (alias) item.append(el("span", "search-alias", alias));
      item.append(el("span", "search-type", node.kind || node.type));
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(node.id);
      });
      list.append(item);
    });
  }

  function choose(id) {
    $("search-results").hidden = true;
    selectNode(id, true);
  }

  function wireSearch() {
    const input = $("search");
    input.addEventListener("input", () => {
      results = search(input.value);
      active = results.length ? 0 : -1;
      renderResults();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!results.length) return;
        active = (active + (event.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
        renderResults();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(results[active].id);
      } else if (event.key === "Escape") {
        $("search-results").hidden = true;
      }
    });
    input.addEventListener("blur", () => ($("search-results").hidden = true));
    input.addEventListener("focus", () => renderResults());
  }

  // --- Selection and the details panel ---------------------------------------------------

  function selectNode(id, move) {
    if (!byId.has(id)) return;
    if (!visible.has(id)) resetView();
    network.selectNodes([id]);
    if (move) network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: { duration: 450 } });
    showPanel(id);
  }

  function nodeButton(id, text) {
    const node = byId.get(id);
    if (!node) return el("span", null, text);
    const button = el("button", "link", text || node.label);
    button.type = "button";
    button.addEventListener("click", () => selectNode(id, true));
    return button;
  }

  function section(title, count) {
    const block = el("section", "panel-section");
    const heading = el("h3", null, title);
    if (count !== undefined) heading.append(el("span", "count", number(count)));
    block.append(heading);
    return block;
  }

  function source(file, title, date) {
    const line = el("p", "source");
    line.append(el("span", "source-file", file || "unknown document"));
    if (title) line.append(" · ", el("span", "source-title", title));
    if (date) line.append(" · ", el("time", null, date));
    return line;
  }

  const sectorNodes = new Map(data.nodes.filter((n) => n.type === "Sector").reverse().map((n) => [n.label, n]));

  /** A node's roles and mentions, read from their rows of indices when its panel first opens. */
  const details = new Map();
  function detailsOf(node) {
    if (!details.has(node.id)) {
      const roles = node.roles.map((row) => {
        const [document, title, sentences] = data.documents[row[6]];
        return {
          title: text(row[0]), role: text(row[1]), organisation: text(row[2]), organisation_id: text(row[3]),
          date: text(row[4]), evidence: sentence(sentences, row[5]), document, document_title: title,
          qualifiers: row.slice(7).map(text),
        };
      });
      const mentions = node.mentions.map(([at, date, evidence]) => {
        const [document, title, sentences] = data.documents[at];
        return { document, title, date: text(date), evidence: sentence(sentences, evidence) };
      });
      details.set(node.id, { roles, mentions });
    }
    return details.get(node.id);
  }

  /** A large view labels only the selected node's edges: every edge's label, drawn in each frame
   *  whatever is on screen, would take most of the frame. */
  let labelled = [];
  function labelEdges(id) {
    if (!large) return;
    const wanted = id && byId.has(id) ? Array.from(new Set(links.get(id).map((link) => link.edge))) : [];
    const keep = new Set(wanted);
    edges.update([
      ...labelled.filter((edge) => !keep.has(edge)).map((edge) => ({ id: edge.id, label: undefined })),
      ...wanted.map((edge) => ({ id: edge.id, label: shorten(edge.label, 40) })),
    ]);
    labelled = wanted;
  }

  function showPanel(id) {
    labelEdges(id);
    const panel = $("panel");
    panel.replaceChildren();
    const node = id && byId.get(id);
    if (!node) {
      panel.append(
        el("h2", "panel-empty-title", "Nothing selected"),
        el("p", "panel-empty", "Click a node, or search for a name, to see who or what it is, the roles held, and the sentences that say so.")
      );
      return;
    }
    const style = styleFor(node.type);
    const header = el("header", "panel-header");
    const badge = el("span", "badge", node.kind ? node.type + " · " + node.kind : node.type);
    badge.style.background = style.color;
    header.append(badge, el("h2", "panel-title", node.label));
    if (node.aliases.length) header.append(el("p", "aliases", "Also: " + node.aliases.join(" · ")));
    panel.append(header);

    const facts = el("dl", "facts");
    const fact = (name, value) => {
      if (!value) return;
      facts.append(el("dt", null, name));
      const dd = el("dd");
      dd.append(value);
      facts.append(dd);
    };
    fact("Country", node.country);
    if (node.sectors.length) {
      const chips = el("span", "chips");
      for (const sector of node.sectors) {
        const sectorNode = sectorNodes.get(sector);
        chips.append(sectorNode ? nodeButton(sectorNode.id, sector) : el("span", "chip", sector));
      }
      fact("Sectors", chips);
    }
    if (facts.childElementCount) panel.append(facts);

    const { roles, mentions } = detailsOf(node);
    if (roles.length) {
      const block = section("Roles", roles.length);
      for (const role of roles) {
        const card = el("article", "card");
        const headline = el("p", "role-line");
        headline.append(el("strong", null, role.title || role.role || "member"));
        if (role.title && role.role && fold(role.title) !== fold(role.role)) headline.append(el("span", "muted", " (" + role.role + ")"));
        headline.append(" at ", nodeButton(role.organisation_id, role.organisation));
        card.append(headline);
        if (role.qualifiers.length) {
          const tags = el("p", "chips");
          for (const qualifier of role.qualifiers) tags.append(el("span", "chip chip-qualifier", qualifier));
          card.append(tags);
        }
        if (role.evidence) card.append(el("blockquote", "evidence", role.evidence));
        card.append(source(role.document, role.document_title, role.date));
        block.append(card);
      }
      panel.append(block);
    }

    const neighbours = links.get(node.id);
    if (neighbours.length) {
      const block = section("Connections", neighbours.length);
      const list = el("ul", "connections");
      for (const link of neighbours.slice(0, LIST_LIMIT)) {
        const other = byId.get(link.other);
        const item = el("li");
        const symbol = el("span", "legend-symbol", styleFor(other.type).symbol);
        symbol.style.color = styleFor(other.type).color;
        const relation = link.edge.relation === "holds role" ? link.edge.label : link.edge.relation;
        item.append(el("span", "relation", link.outgoing ? relation : "← " + relation), symbol, nodeButton(other.id));
        list.append(item);
      }
      block.append(list);
      if (neighbours.length > LIST_LIMIT) block.append(el("p", "muted", "… and " + number(neighbours.length - LIST_LIMIT) + " more"));
      panel.append(block);
    }

    if (mentions.length) {
      const block = section("Mentioned in", mentions.length);
      for (const mention of mentions.slice(0, LIST_LIMIT)) {
        const card = el("article", "card");
        card.append(source(mention.document, mention.title, mention.date));
        if (mention.evidence) card.append(el("blockquote", "evidence", mention.evidence));
        block.append(card);
      }
      if (mentions.length > LIST_LIMIT) block.append(el("p", "muted", "… and " + number(mentions.length - LIST_LIMIT) + " more"));
      panel.append(block);
    }
    panel.append(el("p", "iri", node.id));
    panel.scrollTop = 0;
  }

  // --- Hover card --------------------------------------------------------------------------

  function wireHover() {
    const card = $("hover");
    network.on("hoverNode", (params) => {
      const node = byId.get(params.node);
      card.replaceChildren(el("strong", null, node.label), el("span", "hover-type", node.kind || node.type));
      card.style.left = params.pointer.DOM.x + 14 + "px";
      card.style.top = params.pointer.DOM.y + 14 + "px";
      card.hidden = false;
    });
    network.on("blurNode", () => (card.hidden = true));
    network.on("dragStart", () => (card.hidden = true));
    container.addEventListener("mouseleave", () => (card.hidden = true));
  }

  network.on("click", (params) => {
    if (params.nodes.length) showPanel(params.nodes[0]);
    else if (!params.edges.length) showPanel(null);
  });

  buildLegend();
  const allSectors = new Set(data.nodes.flatMap(sectorsOf));
  const allCountries = new Set(data.nodes.flatMap(countriesOf));
  fillSelect($("filter-sector"), allSectors);
  fillSelect($("filter-country"), allCountries);
  $("filter-sector").addEventListener("change", (event) => {
    filters.sector = event.target.value;
    applyFilters();
  });
  $("filter-country").addEventListener("change", (event) => {
    filters.country = event.target.value;
    applyFilters();
  });
  $("reset").addEventListener("click", resetView);
  buildNotes();
  wireSearch();
  wireHover();
  updateStats();
  showPanel(null);
  start();
})();
