// The overview and trigger pages: the counts of the last hour, the paged triggers list, one trigger with its editor.
// Part of the console page's script (see app.ts); plain browser JavaScript inside its one closure.
export const OVERVIEW_TRIGGER_PAGES = String.raw`  function overview() {
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

  function figure(c) {
    return c.more ? c.count + "+" : String(c.count)
  }
  // The page's figures come after its rows (one request for the page), so the list shows at once.
  function fillFigures(rows, names) {
    if (names.length === 0) return
    api("/api/trigger-figures" + query({ names: names.join(",") })).then(
      function (f) {
        f.figures.forEach(function (x) {
          var cells = rows[x.name]
          if (!cells) return
          cells.last.replaceChildren(
            x.last ? el("span", null, when(x.last.received_at), " ", statusBadge(x.last.status)) : "none",
          )
          cells.accepted.textContent = figure(x.accepted)
          cells.rejected.textContent = figure(x.rejected)
        })
      },
      function (e) {
        Object.keys(rows).forEach(function (n) {
          rows[n].last.replaceChildren("unavailable: " + e.message)
        })
      },
    )
  }

  function triggers(params) {
    return api("/api/triggers" + query({ after: params.get("after") })).then(function (p) {
      var cells = {}
      var names = p.triggers.map(function (t) {
        cells[t.name] = {
          last: el("span", { "data-figure": "last", text: "…" }),
          accepted: el("span", { "data-figure": "accepted", text: "…" }),
          rejected: el("span", { "data-figure": "rejected", text: "…" }),
        }
        return t.name
      })
      show(
        "Triggers",
        table(
          ["Name", "Type", "State", "Workflow", "Next fire", "Last delivery", "Accepted 24 h", "Rejected 24 h"],
          p.triggers.map(function (t) {
            var c = cells[t.name]
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
                c.last,
                c.accepted,
                c.rejected,
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
      fillFigures(cells, names)
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
          runBadge(r.status, r.run_id),
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
      // The edited when and filters, or { error } when the filters are not JSON.
      function edited() {
        var filters
        // JSON.parse is the only way a browser script checks JSON, and it says why only by throwing.
        try {
          filters = JSON.parse(filterBox.value || "[]")
        } catch (e) {
          return { error: new Error("filters: not JSON: " + e.message) }
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
            var e = edited()
            if (e.error) return out.replaceChildren(failed(e.error))
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
            var e = edited()
            if (e.error) return out.replaceChildren(failed(e.error))
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
      watchRuns(
        p.runs.runs.map(function (r) {
          return r.run_id
        }),
      )
    })
  }

`
