// The delivery pages: the live, filtered, paged deliveries list and one delivery's chain.
// Part of the console page's script (see app.ts); plain browser JavaScript inside its one closure.
export const DELIVERY_PAGES = String.raw`  // One page of the list at a time (newest first, the page size in limit);
  // only the first page is live. The way back is in the address: trail holds each older page's
  // cursor (the last delivery of the page before it), so Newer drops the last one.
  function deliveries(params) {
    var limit = Number(params.get("limit")) || PAGE
    var trail = (params.get("trail") || "").split(",").filter(function (c) {
      return c !== ""
    })
    var pageNo = trail.length
    var filter = {
      trigger: params.get("trigger") || "",
      status: params.get("status") || "",
      since: params.get("since") || "",
    }
    function pageHref(cursors) {
      return (
        "#/deliveries" +
        query({
          trigger: filter.trigger,
          status: filter.status,
          since: filter.since,
          limit: params.get("limit") || "",
          trail: cursors.join(","),
        })
      )
    }
    return api(
      "/api/deliveries" +
        query({
          trigger: filter.trigger,
          status: filter.status,
          since: filter.since,
          limit: String(limit),
          before: trail.length > 0 ? trail[trail.length - 1] : "",
        }),
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
        pageNo === 0
          ? el("p", { class: "hint", id: "live-state", text: "Live: new deliveries appear at the top." })
          : el("p", { class: "hint", id: "page-state", text: "Page " + (pageNo + 1) + " (not live)." }),
        list,
        el(
          "nav",
          { class: "pager", "aria-label": "pages" },
          pageNo > 0 ? link(pageHref([]), "Newest") : null,
          pageNo > 0 ? link(pageHref(trail.slice(0, -1)), "Newer") : null,
          p.more && p.next ? link(pageHref(trail.concat([p.next])), "Older") : null,
        ),
      )
      if (pageNo > 0) return
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

  // The body as EVENTS stored it, shown as text (never as markup); a refused request's is never kept.
  function bodyView(b) {
    if (!b) return el("p", { class: "hint", text: "None stored: a refused request's body is never kept." })
    if (b.gone) return el("p", { class: "hint", text: "No longer in EVENTS (aged out or purged)." })
    if (b.cut) return el("p", { class: "hint", text: b.size + " bytes: too large to show here." })
    return el("pre", { id: "delivery-body", class: b.encoding === "base64" ? "base64" : "", text: b.text })
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
              return row([link("#/runs/" + enc(r.run_id), r.run_id), r.workflow, runBadge(r.status, r.run_id)], {
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
        el("section", null, el("h2", { text: "Body" }), bodyView(d.body)),
      )
      watchRuns(
        d.runs.map(function (r) {
          return r.run_id
        }),
      )
    })
  }

`
