/*
 * Find a partner: draws council boundaries as an SVG, shaded by score, from the
 * ONS TopoJSON this site serves itself (no tiles, no CDN). The ranked list on the
 * page is the content; this map only enhances it, so without JavaScript (or if
 * the boundaries fail to load) the map simply stays hidden.
 *
 * Keyboard: the map is one tab stop. Arrow keys move through councils in rank
 * order (Home/End: first/last); Enter follows the link to that council in the list.
 * Needs window.topojson (static/build/topojson-client.min.js).
 *
 * The same component maps search results on /listings/ (data.mode "results"):
 * shaded by how many results each organisation has, with no origin, each
 * area linking to the results narrowed to that organisation. On /market/
 * (data.mode "coverage") it shades each council area by how many registered
 * organisations cover it, each area linking to its council's profile
 * (data.link, with data.link's placeholder code replaced), the whole UK in view.
 * On /arrangements/ (data.mode "register") it shades each council by how many of
 * the listed arrangements name it, each area linking to the arrangements on that
 * council's profile (data.link again): the register itself has no per-council anchor.
 */
(function () {
  "use strict";

  var root = document.getElementById("partner-map");
  var dataNode = document.getElementById("partner-map-data");
  if (!root || !dataNode || !window.topojson || !window.fetch) return;
  var data = JSON.parse(dataNode.textContent);
  var results = data.mode === "results";
  var coverage = data.mode === "coverage";
  var register = data.mode === "register";
  var PLACEHOLDER = "X00000000"; // api/market.py LINK_PLACEHOLDER

  // Codes in the ONS file that differ from the register we hold (data/reference/SOURCES.md).
  var ALIASES = {
    S12000046: "S12000049", // Glasgow City (old code still in ltla/utla)
    S12000044: "S12000050", // North Lanarkshire
    E08000038: "E08000016", // Barnsley, recoded by ONS in 2025
    E08000039: "E08000019", // Sheffield, recoded by ONS in 2025
  };
  // GOV.UK blues, darkest for the best scores.
  var SHADES = ["#003078", "#1d70b8", "#5694ca", "#9fc3e3", "#d2e2f1"];
  var SVG = "http://www.w3.org/2000/svg";
  var LAT0 = 54.5;
  var KX = Math.cos((LAT0 * Math.PI) / 180);
  var SCALE = 100; // SVG units per degree of latitude

  var ranked = {};
  data.ranked.forEach(function (row) {
    ranked[row[0]] = { gss: row[0], name: row[1], score: row[2], rank: row[3] };
  });
  var top = data.topScore > 0 ? data.topScore : 1;

  // A body that is not a council (fire, police, ICB, combined authority) has no shape
  // of its own: it is drawn as the union of the council areas it covers. An area
  // with no ranked entry of its own takes the best-ranked body that covers it.
  var areas = data.areas || {};
  var originAreas = {};
  (areas[data.origin] || []).forEach(function (code) { originAreas[code] = true; });
  var cover = {};
  data.ranked.forEach(function (row) {
    (areas[row[0]] || []).forEach(function (code) {
      if (!cover[code]) cover[code] = ranked[row[0]];
    });
  });

  function shade(score) {
    var f = score / top;
    if (f >= 0.8) return 0;
    if (f >= 0.6) return 1;
    if (f >= 0.4) return 2;
    if (f >= 0.2) return 3;
    return 4;
  }

  function project(p) {
    return [(p[0] + 2) * KX * SCALE, (LAT0 - p[1]) * SCALE];
  }

  function pathData(geometry, box) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    var d = [];
    polygons.forEach(function (polygon) {
      polygon.forEach(function (ring) {
        ring.forEach(function (point, i) {
          var xy = project(point);
          if (xy[0] < box[0]) box[0] = xy[0];
          if (xy[1] < box[1]) box[1] = xy[1];
          if (xy[0] > box[2]) box[2] = xy[0];
          if (xy[1] > box[3]) box[3] = xy[1];
          d.push((i ? "L" : "M") + xy[0].toFixed(1) + "," + xy[1].toFixed(1));
        });
        d.push("Z");
      });
    });
    return d.join("");
  }

  function plural(n) {
    if (coverage) return n + (n === 1 ? " registered organisation" : " registered organisations");
    if (register) return n + (n === 1 ? " arrangement" : " arrangements");
    return n + (n === 1 ? " listing" : " listings");
  }

  // The link's name (sep ", ") and the tip under the map (sep ": ").
  function describe(entry, sep) {
    if (results || coverage || register) return entry.name + sep + plural(entry.score);
    return entry.rank + ". " + entry.name + sep + "score " + entry.score;
  }

  function listHref(gss) {
    if (coverage || register) return data.link.replace(PLACEHOLDER, gss);
    if (results) {
      var query = new URLSearchParams(window.location.search);
      query.delete("page");
      query.set("council", gss);
      return "?" + query.toString() + "#results";
    }
    if (document.getElementById("partner-" + gss)) return "#partner-" + gss;
    var params = new URLSearchParams(window.location.search);
    params.set("all", "1");
    return "?" + params.toString() + "#partner-" + gss;
  }

  function keep(feature, year) {
    var p = feature.properties || {};
    return !(p.end && p.end < year) && !(p.start && p.start > year);
  }

  function draw(topo) {
    var object = topo.objects[data.layer];
    var features = topojson.feature(topo, object).features.filter(function (f) {
      return keep(f, data.year) && f.geometry;
    });
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-labelledby", "map-heading");
    svg.setAttribute("aria-describedby", "map-help");
    svg.setAttribute("focusable", "false");
    var whole = [Infinity, Infinity, -Infinity, -Infinity];
    var near = [Infinity, Infinity, -Infinity, -Infinity];
    var links = [];
    var originPaths = [];
    var plain = document.createElementNS(SVG, "g");
    var linked = document.createElementNS(SVG, "g");
    svg.appendChild(plain);
    svg.appendChild(linked);

    features.forEach(function (feature) {
      var code = feature.properties.areacd;
      code = ALIASES[code] || code;
      var box = [Infinity, Infinity, -Infinity, -Infinity];
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", pathData(feature.geometry, box));
      path.setAttribute("class", "app-map__shape");
      for (var k = 0; k < 2; k++) {
        whole[k] = Math.min(whole[k], box[k]);
        whole[k + 2] = Math.max(whole[k + 2], box[k + 2]);
      }
      var entry = ranked[code] || cover[code];
      if (originAreas[code]) {
        // The asking body's area: outlined, and still shaded by its own entry below.
        var edge = path.cloneNode();
        edge.setAttribute("class", "app-map__origin");
        originPaths.push(edge);
        grow(near, box);
      }
      if (code === data.origin) {
        path.setAttribute("fill", "#ffffff");
        plain.appendChild(path);
        var outline = path.cloneNode();
        outline.setAttribute("class", "app-map__origin");
        originPaths.push(outline);
        grow(near, box);
      } else if (entry) {
        path.setAttribute("fill", SHADES[shade(entry.score)]);
        var a = document.createElementNS(SVG, "a");
        a.setAttribute("href", listHref(entry.gss));
        a.setAttribute("class", "app-map__link");
        a.setAttribute("tabindex", "-1");
        a.setAttribute("aria-label", describe(entry, ", "));
        a.setAttribute("data-gss", entry.gss);
        a.appendChild(path);
        linked.appendChild(a);
        if (!links[entry.rank]) links[entry.rank] = a;
        if (entry.rank <= 12 && !coverage) grow(near, box);
      } else {
        path.setAttribute("class", "app-map__shape app-map__shape--none");
        plain.appendChild(path);
      }
    });
    originPaths.forEach(function (outline) { svg.appendChild(outline); });

    var order = links.filter(Boolean);
    if (order.length) order[0].setAttribute("tabindex", "0");
    var tip = root.querySelector(".app-map__tip");

    function show(a) {
      var entry = ranked[a.getAttribute("data-gss")];
      tip.textContent = describe(entry, ": ");
    }
    function focusAt(i) {
      i = Math.max(0, Math.min(order.length - 1, i));
      order.forEach(function (a) { a.setAttribute("tabindex", "-1"); });
      order[i].setAttribute("tabindex", "0");
      order[i].focus();
    }
    order.forEach(function (a, i) {
      a.addEventListener("focus", function () { show(a); });
      a.addEventListener("mouseenter", function () { show(a); });
      a.addEventListener("keydown", function (event) {
        var moves = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: order.length - 1 };
        if (event.key in moves) {
          event.preventDefault();
          focusAt(moves[event.key]);
        }
      });
    });

    function view(box) {
      var padX = (box[2] - box[0]) * 0.08 + 5;
      var padY = (box[3] - box[1]) * 0.08 + 5;
      svg.setAttribute(
        "viewBox",
        [box[0] - padX, box[1] - padY, box[2] - box[0] + 2 * padX, box[3] - box[1] + 2 * padY]
          .map(function (v) { return v.toFixed(1); })
          .join(" ")
      );
    }
    var hasNear = isFinite(near[0]);
    view(hasNear ? near : whole);
    root.querySelectorAll(".app-map__zoom").forEach(function (button) {
      button.addEventListener("click", function () {
        view(button.getAttribute("data-zoom") === "near" && hasNear ? near : whole);
      });
    });

    var legend = root.querySelector(".app-map__legend");
    var best = coverage
      ? "80% of the most organisations or more"
      : results
        ? "80% of the most listings or more"
        : register
          ? "80% of the most arrangements or more"
        : "80% of the top score or more";
    var labels = [best, "60% to 80%", "40% to 60%", "20% to 40%", "under 20%"];
    SHADES.forEach(function (colour, i) {
      legend.appendChild(item(colour, labels[i]));
    });
    var none = coverage
      ? "no registered organisation"
      : results
        ? "no listings"
        : register
          ? "no arrangement listed"
          : "not suggested";
    legend.appendChild(item("#e5e5e5", none));
    root.querySelector(".app-map__canvas").appendChild(svg);
    root.hidden = false;
  }

  function item(colour, text) {
    var li = document.createElement("li");
    var swatch = document.createElement("span");
    swatch.className = "app-map__swatch";
    swatch.style.background = colour;
    li.appendChild(swatch);
    li.appendChild(document.createTextNode(text));
    return li;
  }

  function grow(target, box) {
    target[0] = Math.min(target[0], box[0]);
    target[1] = Math.min(target[1], box[1]);
    target[2] = Math.max(target[2], box[2]);
    target[3] = Math.max(target[3], box[3]);
  }

  fetch(root.getAttribute("data-boundaries"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("boundaries: HTTP " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      // The list already says everything the map would; leave the map hidden.
      if (window.console) window.console.warn("Partner map not drawn:", error);
    });
})();
