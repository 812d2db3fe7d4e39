// The console page's script, served as /app.js: embedded as a string so it is found wherever serve
// runs from (dist/, the bundle). Plain browser JavaScript (no framework, no build step); it never
// inserts a value as HTML. Edit it as JavaScript; it must hold no backtick and no dollar-brace.
import { OVERVIEW_TRIGGER_PAGES } from "./app-overview-triggers.js"
import { DELIVERY_PAGES } from "./app-deliveries.js"
import { RUN_SCHEDULE_DEAD_PAGES } from "./app-runs-schedules-dead.js"

// The closure's opening: the DOM, formatting and API helpers every page uses.
const HELPERS = String.raw`// dagnats console: hash routes, one view per page, data from /api/* and live deliveries from
// /api/live. Every value from the service is inserted with textContent, never as HTML.
"use strict"
;(function () {
  var main = document.getElementById("main")
  var csrf = document.querySelector('meta[name="dagnats-csrf"]').getAttribute("content")
  var PAGE = 50
  var live = null

  function el(tag, attrs) {
    var node = document.createElement(tag)
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k]
        if (v === undefined || v === null || v === false) return
        if (k === "text") node.textContent = String(v)
        else if (k === "on")
          Object.keys(v).forEach(function (ev) {
            node.addEventListener(ev, v[ev])
          })
        else node.setAttribute(k, String(v))
      })
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i]
      if (c === undefined || c === null || c === false) continue
      if (Array.isArray(c))
        c.forEach(function (x) {
          if (x) node.appendChild(typeof x === "string" ? document.createTextNode(x) : x)
        })
      else node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c)
    }
    return node
  }
  function link(href, text) {
    return el("a", { href: href, text: text })
  }
  function enc(s) {
    return encodeURIComponent(s)
  }
  function pretty(v) {
    return el("pre", { class: "json", text: JSON.stringify(v, null, 2) })
  }
  function when(iso) {
    return iso ? el("time", { datetime: iso, text: iso.replace("T", " ").replace(/\.\d+Z$/, "Z") }) : ""
  }
  function table(head, rows, empty) {
    if (rows.length === 0) return el("p", { class: "empty", text: empty || "Nothing here yet." })
    return el(
      "table",
      null,
      el(
        "thead",
        null,
        el(
          "tr",
          null,
          head.map(function (h) {
            return el("th", { scope: "col", text: h })
          }),
        ),
      ),
      el("tbody", null, rows),
    )
  }
  function row(cells, attrs) {
    return el(
      "tr",
      attrs,
      cells.map(function (c) {
        return el("td", null, c === undefined || c === null ? "" : c)
      }),
    )
  }
  function statusBadge(status, code) {
    var ok = status >= 200 && status < 300
    return el("span", { class: "badge " + (ok ? "ok" : "bad"), text: String(status) + (code ? " " + code : "") })
  }
  function runClass(s) {
    return "badge " + (s === "completed" ? "ok" : s === "failed" || s === "cancelled" ? "bad" : "info")
  }
  // A run's status badge; with its run id, watchRuns keeps it current.
  function runBadge(s, id) {
    return el("span", { class: runClass(s), "data-run-status": id, text: s })
  }
  // The runs the page shows, followed over the live stream: each status change updates their badges.
  function watchRuns(ids) {
    var open = ids.filter(function (id, i) {
      return ids.indexOf(id) === i
    })
    if (open.length === 0) return
    live = new EventSource("/api/live" + query({ runs: open.slice(0, PAGE).join(",") }))
    live.addEventListener("run", function (ev) {
      var r = JSON.parse(ev.data)
      document.querySelectorAll("[data-run-status]").forEach(function (b) {
        if (b.getAttribute("data-run-status") !== r.run_id || b.textContent === r.status) return
        b.textContent = r.status
        b.className = runClass(r.status)
      })
    })
  }
  function show(title) {
    var nodes = Array.prototype.slice.call(arguments, 1).filter(Boolean)
    main.replaceChildren.apply(main, [el("h1", { text: title })].concat(nodes))
    document.title = title + " · dagnats console"
  }
  function failed(e) {
    return el("p", { class: "error", role: "alert", text: e.message })
  }

  function api(path, body) {
    var init =
      body === undefined
        ? {}
        : {
            method: "POST",
            headers: { "content-type": "application/json", "x-dagnats-csrf": csrf },
            body: JSON.stringify(body),
          }
    init.credentials = "same-origin"
    return fetch(path, init).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j && j.error && j.error.message) || "HTTP " + r.status)
        return j
      })
    })
  }
  function query(params) {
    var q = new URLSearchParams()
    Object.keys(params).forEach(function (k) {
      if (params[k]) q.set(k, params[k])
    })
    var s = q.toString()
    return s ? "?" + s : ""
  }

`

// The closure's end: hash routes to pages, and the first render.
const ROUTER = String.raw`  function go(hash) {
    if (location.hash === hash) render()
    else location.hash = hash
  }

  function render() {
    if (live) {
      live.close()
      live = null
    }
    var hash = location.hash.replace(/^#/, "") || "/"
    var qi = hash.indexOf("?")
    var path = qi < 0 ? hash : hash.slice(0, qi)
    var params = new URLSearchParams(qi < 0 ? "" : hash.slice(qi + 1))
    var parts = path.split("/").filter(Boolean).map(decodeURIComponent)
    var page = parts[0] || ""
    document.querySelectorAll("header nav a").forEach(function (a) {
      if (a.getAttribute("href") === "#/" + page) a.setAttribute("aria-current", "page")
      else a.removeAttribute("aria-current")
    })
    var view =
      page === ""
        ? overview()
        : page === "triggers"
          ? parts[1]
            ? trigger(parts[1])
            : triggers(params)
          : page === "deliveries"
            ? parts[1]
              ? delivery(parts[1])
              : deliveries(params)
            : page === "runs"
              ? parts[1]
                ? run(parts[1])
                : runs(params)
              : page === "schedules"
                ? parts[1]
                  ? schedule(parts[1])
                  : schedules()
                : page === "dead"
                  ? dead()
                  : Promise.reject(new Error("No such page."))
    view.then(
      function () {
        main.focus({ preventScroll: true })
      },
      function (e) {
        show("Error", failed(e))
      },
    )
  }

  window.addEventListener("hashchange", render)
  render()
})()
`

export const APP_JS = HELPERS + OVERVIEW_TRIGGER_PAGES + DELIVERY_PAGES + RUN_SCHEDULE_DEAD_PAGES + ROUTER
