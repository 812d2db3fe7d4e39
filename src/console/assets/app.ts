// The console page's script, served as /app.js: embedded as a string so it is found wherever serve
// runs from (dist/, the bundle). Plain browser JavaScript (no framework, no build step); it never
// inserts a value as HTML. Edit it as JavaScript; it must hold no backtick and no dollar-brace.
export const APP_JS = String.raw`// dagnats console: hash routes, one view per page, data from /api/* and live deliveries from
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
  function runBadge(s) {
    var cls = s === "completed" ? "ok" : s === "failed" || s === "cancelled" ? "bad" : "info"
    return el("span", { class: "badge " + cls, text: s })
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

  function overview() {
    return api("/api/overview").then(function (o) {
      show(
        "Overview",
        el(
          "section",
          { "aria-labelledby": "h-nats" },
          el("h2", { id: "h-nats", text: "NATS" }),
          el(
            "p",
            null,
            el("span", {
              class: "badge " + (o.nats.connected ? "ok" : "bad"),
              text: o.nats.connected ? "connected" : "disconnected",
            }),
            " " + o.nats.server + " (server " + o.nats.version + ")",
          ),
        ),
        el(
          "section",
          null,
          el("h2", { text: "Serve instances" }),
          table(
            ["Instance", "Version"],
            o.instances.map(function (i) {
              return row([i.id, i.version])
            }),
            "No serve answers $SRV.PING.",
          ),
        ),
        el(
          "section",
          null,
          el("h2", { text: "Last hour, per trigger (most rejected first)" }),
          el(
            "p",
            { class: "hint" },
            "Since ",
            when(o.since),
            o.truncated ? " (at least: the list stopped at 1,000)" : "",
          ),
          table(
            ["Trigger", "Accepted", "Rejected", "Runs started"],
            o.triggers.map(function (t) {
              return row([
                t.trigger === "_" ? "_" : link("#/triggers/" + enc(t.trigger), t.trigger),
                String(t.accepted),
                t.rejected > 0 ? el("span", { class: "badge bad", text: String(t.rejected) }) : "0",
                String(t.runs),
              ])
            }),
            "No deliveries or runs in the last hour.",
          ),
          o.more > 0
            ? el("p", { class: "hint", text: o.more + " more triggers had deliveries or runs (fewer rejections)." })
            : null,
        ),
      )
    })
  }

  function triggers(params) {
    return api("/api/triggers" + query({ after: params.get("after") })).then(function (p) {
      show(
        "Triggers",
        table(
          ["Name", "Type", "State", "Workflow", "Next fire"],
          p.triggers.map(function (t) {
            return row(
              [
                link("#/triggers/" + enc(t.name), t.name),
                t.type,
                el("span", {
                  class: "badge " + (t.enabled === false ? "bad" : "ok"),
                  text: t.enabled === false ? "disabled" : "enabled",
                }),
                t.workflow,
                when(t.next_fire_at),
              ],
              { "data-trigger": t.name },
            )
          }),
          "No triggers. Create one with dagnats trigger create.",
        ),
        el(
          "nav",
          { class: "pager", "aria-label": "pages" },
          params.get("after") ? link("#/triggers", "First page") : null,
          p.next ? link("#/triggers?after=" + enc(p.next), "Next page") : null,
        ),
      )
    })
  }

  function deliveryRows(list) {
    return list.map(function (d) {
      return row(
        [
          when(d.received_at),
          d.trigger === "_" ? "_" : link("#/triggers/" + enc(d.trigger), d.trigger),
          d.request.method + " " + d.request.path,
          statusBadge(d.response.status, d.response.code),
          link("#/deliveries/" + enc(d.id), d.id),
        ],
        { "data-delivery": d.id },
      )
    })
  }
  function runRows(list) {
    return list.map(function (r) {
      return row(
        [
          link("#/runs/" + enc(r.run_id), r.run_id),
          r.workflow,
          runBadge(r.status),
          r.trigger.name ? link("#/triggers/" + enc(r.trigger.name), r.trigger.name) : r.trigger.type,
          when(r.created_at),
          r.event ? r.event.subject + " #" + r.event.seq : "",
        ],
        { "data-run": r.run_id },
      )
    })
  }
  var DELIVERY_HEAD = ["Received", "Trigger", "Request", "Status", "Delivery"]
  var RUN_HEAD = ["Run", "Workflow", "Status", "Trigger", "Created", "Event"]

  function trigger(name) {
    return api("/api/triggers/" + enc(name)).then(function (p) {
      var t = p.trigger
      var out = el("div", { class: "result", "aria-live": "polite" })
      var whenBox = el("textarea", { id: "edit-when", rows: 3, spellcheck: "false" })
      whenBox.value = t.when || ""
      var filterBox = el("textarea", { id: "edit-filters", rows: 4, spellcheck: "false" })
      filterBox.value = JSON.stringify(t.filters || [], null, 2)
      var pick = el(
        "select",
        { id: "test-delivery" },
        p.deliveries.deliveries
          .filter(function (d) {
            return d.event
          })
          .map(function (d) {
            return el("option", { value: d.id, text: d.id + " (" + d.received_at + ")" })
          }),
      )
      function edited() {
        var filters
        try {
          filters = JSON.parse(filterBox.value || "[]")
        } catch (e) {
          throw new Error("filters: not JSON: " + e.message)
        }
        return { when: whenBox.value.trim() === "" ? null : whenBox.value, filters: filters }
      }
      function act(promise, done) {
        out.replaceChildren(el("p", { text: "Working…" }))
        promise.then(done, function (e) {
          out.replaceChildren(failed(e))
        })
      }
      var toggle = el("button", {
        type: "button",
        id: "toggle",
        text: t.enabled === false ? "Enable" : "Disable",
        on: {
          click: function () {
            act(
              api("/api/triggers/" + enc(name) + "/" + (t.enabled === false ? "enable" : "disable"), {}),
              function () {
                render()
              },
            )
          },
        },
      })
      var testBtn = el("button", {
        type: "button",
        text: "Test against the delivery",
        on: {
          click: function () {
            var e
            try {
              e = edited()
            } catch (err) {
              return out.replaceChildren(failed(err))
            }
            if (!pick.value)
              return out.replaceChildren(failed(new Error("no stored delivery with an event to test against")))
            var body = { delivery: pick.value, filters: e.filters || [] }
            if (e.when !== null) body.when = e.when
            act(api("/api/triggers/" + enc(name) + "/test", body), function (r) {
              out.replaceChildren(
                el(
                  "p",
                  null,
                  el("span", {
                    class: "badge " + (r.matched ? "ok" : "bad"),
                    text: r.matched ? "matched" : "not matched",
                  }),
                ),
                pretty(r),
              )
            })
          },
        },
      })
      var saveBtn = el("button", {
        type: "button",
        text: "Save",
        on: {
          click: function () {
            var e
            try {
              e = edited()
            } catch (err) {
              return out.replaceChildren(failed(err))
            }
            act(api("/api/triggers/" + enc(name) + "/update", e), function (r) {
              out.replaceChildren(el("p", { text: "Saved: revision " + r.revision + "." }))
            })
          },
        },
      })
      show(
        "Trigger " + t.name,
        el(
          "p",
          null,
          el("span", {
            id: "state",
            class: "badge " + (t.enabled === false ? "bad" : "ok"),
            text: t.enabled === false ? "disabled" : "enabled",
          }),
          " ",
          toggle,
          t.type === "schedule" ? link("#/schedules/" + enc(name), " Fire history") : null,
        ),
        el("section", null, el("h2", { text: "Definition" }), pretty(t)),
        t.type === "schedule"
          ? null
          : el(
              "section",
              null,
              el("h2", { text: "Filters and when" }),
              el("label", { for: "edit-when", text: "when (CEL expression; empty for none)" }),
              whenBox,
              el("label", { for: "edit-filters", text: "filters (JSON array)" }),
              filterBox,
              el("label", { for: "test-delivery", text: "Stored delivery to test against" }),
              pick,
              el("div", { class: "actions" }, testBtn, saveBtn),
              out,
            ),
        el(
          "section",
          null,
          el("h2", { text: "Recent deliveries" }),
          table(DELIVERY_HEAD, deliveryRows(p.deliveries.deliveries)),
        ),
        el("section", null, el("h2", { text: "Recent runs" }), table(RUN_HEAD, runRows(p.runs.runs))),
      )
    })
  }

  function deliveries(params) {
    var limit = Number(params.get("limit")) || PAGE
    var filter = {
      trigger: params.get("trigger") || "",
      status: params.get("status") || "",
      since: params.get("since") || "",
    }
    return api(
      "/api/deliveries" +
        query({ trigger: filter.trigger, status: filter.status, since: filter.since, limit: String(limit) }),
    ).then(function (p) {
      var body = el("tbody", null, deliveryRows(p.deliveries))
      var list = el(
        "table",
        { id: "deliveries" },
        el(
          "thead",
          null,
          el(
            "tr",
            null,
            DELIVERY_HEAD.map(function (h) {
              return el("th", { scope: "col", text: h })
            }),
          ),
        ),
        body,
      )
      var trig = el("input", { id: "f-trigger", name: "trigger", value: filter.trigger, placeholder: "any trigger" })
      var status = el(
        "select",
        { id: "f-status", name: "status" },
        ["", "accepted", "rejected"].map(function (s) {
          return el("option", { value: s, text: s || "any status", selected: s === filter.status ? "selected" : false })
        }),
      )
      var period = el(
        "select",
        { id: "f-since", name: "since" },
        [
          ["", "any time"],
          ["3600000", "last hour"],
          ["86400000", "last 24 hours"],
        ].map(function (o) {
          return el("option", { value: o[0], text: o[1] })
        }),
      )
      var search = el("input", { id: "f-search", name: "id", placeholder: "delivery or run id" })
      var msg = el("p", { "aria-live": "polite" })
      var form = el(
        "form",
        {
          class: "filters",
          on: {
            submit: function (ev) {
              ev.preventDefault()
              var id = search.value.trim()
              var since = period.value ? new Date(Date.now() - Number(period.value)).toISOString() : ""
              if (id === "")
                return go("#/deliveries" + query({ trigger: trig.value.trim(), status: status.value, since: since }))
              if (/^[0-9A-HJKMNP-TV-Z]{26}$/i.test(id)) return go("#/deliveries/" + enc(id.toUpperCase()))
              api("/api/runs/" + enc(id)).then(
                function (p) {
                  if (p.delivery) go("#/deliveries/" + enc(p.delivery))
                  else go("#/runs/" + enc(id))
                },
                function (e) {
                  msg.replaceChildren(failed(e))
                },
              )
            },
          },
        },
        el("label", { for: "f-trigger", text: "Trigger" }),
        trig,
        el("label", { for: "f-status", text: "Status" }),
        status,
        el("label", { for: "f-since", text: "Received" }),
        period,
        el("label", { for: "f-search", text: "Find" }),
        search,
        el("button", { type: "submit", text: "Apply" }),
      )
      show(
        "Deliveries",
        form,
        msg,
        filter.since ? el("p", { class: "hint" }, "Received since ", when(filter.since)) : null,
        el("p", { class: "hint", id: "live-state", text: "Live: new deliveries appear at the top." }),
        list,
        limit < 1000 && p.deliveries.length >= limit
          ? el(
              "nav",
              { class: "pager" },
              link(
                "#/deliveries" +
                  query({
                    trigger: filter.trigger,
                    status: filter.status,
                    since: filter.since,
                    limit: String(Math.min(1000, limit + PAGE)),
                  }),
                "Show more",
              ),
            )
          : null,
      )
      live = new EventSource("/api/live")
      live.addEventListener("delivery", function (ev) {
        var d = JSON.parse(ev.data)
        var ok = d.response.status >= 200 && d.response.status < 300
        if (filter.trigger && d.trigger !== filter.trigger) return
        if ((filter.status === "accepted" && !ok) || (filter.status === "rejected" && ok)) return
        if (body.querySelector('[data-delivery="' + d.id + '"]')) return
        body.insertBefore(deliveryRows([d])[0], body.firstChild)
        while (body.children.length > limit) body.removeChild(body.lastChild)
      })
      live.onerror = function () {
        document.getElementById("live-state").textContent = "Live: reconnecting…"
      }
      live.onopen = function () {
        document.getElementById("live-state").textContent = "Live: new deliveries appear at the top."
      }
    })
  }

  function delivery(id) {
    return api("/api/deliveries/" + enc(id)).then(function (d) {
      var headers = d.request.headers || {}
      show(
        "Delivery " + d.id,
        el(
          "dl",
          { class: "facts" },
          el("dt", { text: "Received" }),
          el("dd", null, when(d.received_at)),
          el("dt", { text: "Trigger" }),
          el("dd", null, d.trigger === "_" ? "_" : link("#/triggers/" + enc(d.trigger), d.trigger)),
          el("dt", { text: "Request" }),
          el("dd", { text: d.request.method + " " + d.request.path + " from " + (d.request.remote_addr || "?") }),
          el("dt", { text: "Body" }),
          el("dd", {
            text:
              (d.request.content_type || "no content type") +
              ", " +
              d.request.size +
              " bytes" +
              (d.request.body_sha256 ? ", sha256 " + d.request.body_sha256 : ""),
          }),
          el("dt", { text: "Response" }),
          el("dd", null, statusBadge(d.response.status, d.response.code), " in " + d.response.duration_ms + " ms"),
          el("dt", { text: "Event" }),
          el("dd", {
            text: d.event
              ? d.event.subject + " #" + d.event.seq + (d.event.duplicate ? " (duplicate)" : "")
              : "none stored",
          }),
        ),
        el(
          "section",
          null,
          el("h2", { text: "Decisions" }),
          table(
            ["Trigger", "Outcome", "Reason", "Detail", "Run", "At"],
            d.decisions.map(function (x) {
              return row([
                x.trigger,
                x.outcome,
                x.reason || "",
                x.detail || "",
                x.run_id ? link("#/runs/" + enc(x.run_id), x.run_id) : "",
                when(x.at),
              ])
            }),
            "No trigger has evaluated this delivery's event yet.",
          ),
        ),
        el(
          "section",
          null,
          el("h2", { text: "Runs" }),
          table(
            ["Run", "Workflow", "Status"],
            d.runs.map(function (r) {
              return row([link("#/runs/" + enc(r.run_id), r.run_id), r.workflow, runBadge(r.status)], {
                "data-run": r.run_id,
              })
            }),
            "No runs (yet).",
          ),
        ),
        el(
          "section",
          null,
          el("h2", { text: "Request headers" }),
          table(
            ["Header", "Value"],
            Object.keys(headers)
              .sort()
              .map(function (h) {
                var v = headers[h]
                return row([h, el("code", { text: Array.isArray(v) ? v.join(", ") : String(v) })])
              }),
            "No headers stored.",
          ),
        ),
        el("p", {
          class: "hint",
          text: "An accepted body is the run's input (open the run); a rejected body is never stored.",
        }),
      )
    })
  }

  function runs(params) {
    var filter = {
      trigger: params.get("trigger") || "",
      status: params.get("status") || "",
      before: params.get("before") || "",
    }
    return api("/api/runs" + query(filter)).then(function (p) {
      var trig = el("input", { id: "r-trigger", value: filter.trigger, placeholder: "any trigger" })
      var status = el(
        "select",
        { id: "r-status" },
        ["", "pending", "running", "completed", "failed", "cancelled"].map(function (s) {
          return el("option", { value: s, text: s || "any status", selected: s === filter.status ? "selected" : false })
        }),
      )
      show(
        "Runs",
        el(
          "form",
          {
            class: "filters",
            on: {
              submit: function (ev) {
                ev.preventDefault()
                go("#/runs" + query({ trigger: trig.value.trim(), status: status.value }))
              },
            },
          },
          el("label", { for: "r-trigger", text: "Trigger" }),
          trig,
          el("label", { for: "r-status", text: "Status" }),
          status,
          el("button", { type: "submit", text: "Apply" }),
        ),
        table(RUN_HEAD, runRows(p.runs), "No runs."),
        el(
          "nav",
          { class: "pager" },
          filter.before ? link("#/runs" + query({ trigger: filter.trigger, status: filter.status }), "Newest") : null,
          p.next
            ? link("#/runs" + query({ trigger: filter.trigger, status: filter.status, before: p.next }), "Older")
            : null,
        ),
      )
    })
  }

  function run(id) {
    return api("/api/runs/" + enc(id)).then(function (p) {
      var r = p.run
      var delivery = p.delivery
      show(
        "Run " + r.run_id,
        el(
          "p",
          null,
          runBadge(r.status),
          " ",
          r.workflow,
          " · ",
          r.trigger.name ? link("#/triggers/" + enc(r.trigger.name), r.trigger.name) : r.trigger.type,
          delivery ? el("span", null, " · delivery ", link("#/deliveries/" + enc(delivery), delivery)) : null,
        ),
        el("section", null, el("h2", { text: "Input" }), pretty(r.input === undefined ? null : r.input)),
        el("section", null, el("h2", { text: "Record" }), pretty(r)),
      )
    })
  }

  function schedules() {
    return api("/api/schedules").then(function (p) {
      show(
        "Schedules",
        table(
          ["Name", "Cron", "Time zone", "State", "Next fire"],
          p.schedules.map(function (t) {
            return row([
              link("#/schedules/" + enc(t.name), t.name),
              el("code", { text: t.cron || "" }),
              t.timezone || "UTC",
              t.enabled === false ? "disabled" : "enabled",
              when(t.next_fire_at),
            ])
          }),
          "No schedule triggers.",
        ),
      )
    })
  }

  function schedule(name) {
    return api("/api/triggers/" + enc(name) + "/history").then(function (h) {
      show(
        "Schedule " + name,
        el("p", null, link("#/triggers/" + enc(name), "Trigger definition")),
        table(
          ["Instant", "Outcome", "Reason", "Run", "Recorded"],
          h.fires.map(function (f) {
            var missed = f.outcome === "missed"
            return row([
              when(f.scheduled_at),
              el("span", { class: "badge " + (missed ? "bad" : "info"), text: String(f.outcome || "") }),
              f.reason || f.error || "",
              f.run_id ? link("#/runs/" + enc(f.run_id), f.run_id) : "",
              when(f.at || f.fired_at),
            ])
          }),
          "No fires recorded yet.",
        ),
      )
    })
  }

  function dead() {
    return api("/api/dead").then(function (p) {
      var out = el("div", { "aria-live": "polite" })
      var trig = el("input", { id: "replay-trigger", required: "required", placeholder: "trigger name" })
      show(
        "Dead letters",
        table(
          ["Subject", "Seq", "Error", "At", ""],
          p.dead.map(function (d) {
            var detail = el("pre", { class: "json", hidden: "hidden", text: JSON.stringify(d, null, 2) })
            var inspect = el("button", {
              type: "button",
              text: "Inspect",
              "aria-expanded": "false",
              on: {
                click: function () {
                  detail.hidden = !detail.hidden
                  inspect.setAttribute("aria-expanded", String(!detail.hidden))
                },
              },
            })
            return row([d.subject, String(d.seq), d.error, when(d.at), el("div", null, inspect, detail)])
          }),
          "No dead letters.",
        ),
        el(
          "form",
          {
            class: "filters",
            on: {
              submit: function (ev) {
                ev.preventDefault()
                out.replaceChildren(el("p", { text: "Replaying…" }))
                api("/api/dead/replay", { trigger: trig.value.trim() }).then(
                  function (r) {
                    out.replaceChildren(pretty(r))
                  },
                  function (e) {
                    out.replaceChildren(failed(e))
                  },
                )
              },
            },
          },
          el("label", { for: "replay-trigger", text: "Replay dead letters of trigger" }),
          trig,
          el("button", { type: "submit", text: "Replay" }),
        ),
        out,
      )
    })
  }

  function go(hash) {
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
