// The runs, schedules and dead-letter pages.
// Part of the console page's script (see app.ts); plain browser JavaScript inside its one closure.
export const RUN_SCHEDULE_DEAD_PAGES = String.raw`  function runs(params) {
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
      watchRuns(
        p.runs.map(function (r) {
          return r.run_id
        }),
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
          runBadge(r.status, r.run_id),
          " ",
          r.workflow,
          " · ",
          r.trigger.name ? link("#/triggers/" + enc(r.trigger.name), r.trigger.name) : r.trigger.type,
          delivery ? el("span", null, " · delivery ", link("#/deliveries/" + enc(delivery), delivery)) : null,
        ),
        el("section", null, el("h2", { text: "Input" }), pretty(r.input === undefined ? null : r.input)),
        el("section", null, el("h2", { text: "Record" }), pretty(r)),
      )
      watchRuns([r.run_id])
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

`
