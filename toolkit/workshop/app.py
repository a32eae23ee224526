"""The workshop app: one widget block per exercise, built from the session.

``notebooks/workshop.ipynb`` is prose plus one call per block; served by Voilà it is the
code-free app the room sees (``aligndx workshop``). Every block re-renders into an
``ipywidgets.HTML`` (:func:`toolkit.workshop.live.live_output`), so the same code runs
live and headless (papermill, nbval).

* :func:`start` — load the session and show the opening block;
* :func:`reveal_section` — perception-gap reveal with anonymity-safe filters;
* :func:`guess_section` — the phone round ("guess the other side") and a typed fallback;

Both survey blocks serve the views stored in results.json (:mod:`toolkit.workshop.store`);
with a results.json written before those were stored they show how to regenerate it.
* :func:`whatif_section` — incentive what-if (results.json + plan);
* :func:`sla_section` — SLA designer (results.json).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..report.display import show_markdown
from . import views
from .context import Workshop, open_workshop
from .live import live_output, render_html
from .reveal import GUESS_MEASURES, reveal_options, score_guesses
from .simulator import SLIDER_RANGES, plan_baseline

#: Labels of sliders and drop-downs shown in full (ipywidgets cuts them at 80 px).
WIDE = {"description_width": "initial"}
ALL = ("All", "")  # "" = no filter (None would read as "nothing selected")


def start(engagement: str | Path = "", results: str | Path = "", room: str | Path = ""
          ) -> Workshop:
    """Open the session (:func:`toolkit.workshop.open_workshop`) and show the intro."""
    session = open_workshop(engagement, results, room)
    from IPython.display import HTML, display

    display(HTML(render_html(views.show_intro, session=session)))
    return session


# --- perception gap --------------------------------------------------------------------------
class FilterControls:
    """Level / region drop-downs offering only the values safe given the other filter.

    Changing one re-computes the options of both (:meth:`Workshop.filter_options`); a
    re-entrancy guard keeps the two observers from triggering each other.
    """

    def __init__(self, session: Workshop):
        import ipywidgets as W

        self.session = session
        self.level = W.Dropdown(description="Level")
        self.region = W.Dropdown(description="Region")
        self._busy = False
        self.refresh()
        self.level.observe(self.refresh, "value")
        self.region.observe(self.refresh, "value")

    def refresh(self, *_: Any) -> None:
        """Offer only safe values; a value no longer safe falls back to "All"."""
        if self._busy:
            return
        self._busy = True
        try:
            opts = self.session.filter_options(level=self.level.value or None,
                                               region=self.region.value or None)
            for w, dim in ((self.level, "level"), (self.region, "region")):
                choices = [ALL] + [(v, v) for v in opts[dim]]
                keep = w.value if w.value in [c[1] for c in choices] else ""
                w.options, w.value = choices, keep
        finally:
            self._busy = False


def _views_missing(session: Workshop):
    """The note shown instead of a survey block when results.json lacks the stored views."""
    import ipywidgets as W

    return W.HTML(render_html(show_markdown, text="**Not available with these results.** "
                              + views._plain(session.views_note)))


def reveal_section(session: Workshop):
    """Scale/item, side and filters, then Sales' view → Marketing's view → The gap."""
    import ipywidgets as W

    if session.views_note:
        return _views_missing(session)

    code = W.Dropdown(options=reveal_options(), value="TRUST", description="Scale/item",
                      layout=W.Layout(width="60%"))
    side = W.Dropdown(options=[("Both sides", ""), ("Sales side", "sales"),
                               ("Marketing side", "marketing")], description="Side")
    filters = FilterControls(session)
    stage = W.ToggleButtons(options=[("Sales' view", "sales"),
                                     ("Marketing's view", "marketing"), ("The gap", "gap")],
                            value="sales")

    def show(code, side, level, region, stage):
        view, result = session.reveal(code, side=side or None, level=level or None,
                                      region=region or None)
        views.show_filter_note(view)
        if result is not None:
            views.show_reveal(result, stage)

    out = live_output(show, {"code": code, "side": side, "level": filters.level,
                             "region": filters.region, "stage": stage})
    box = W.VBox([code, W.HBox([side, filters.level, filters.region]), stage, out])
    box.add_class("aligndx-reveal")
    box.controls = {"code": code, "side": side, "stage": stage, "filters": filters,
                    "out": out}
    return box


# --- guess the other side ------------------------------------------------------------------
def _link_html(session: Workshop) -> str:
    from .room import room_link, svg_qr

    if session.room is None:
        return ("<p><em>The phone round runs beside the app started by <code>aligndx "
                "workshop</code>; here, type the room's guesses below instead.</em></p>")
    link = room_link(session.room)
    if not link:
        return ("<p><em>The phones' page is not running (start the workshop with "
                "<code>aligndx workshop</code>); type the room's guesses below instead."
                "</em></p>")
    url = html.escape(link["url"])
    if not link.get("remote"):
        return ("<p>The phones' page is on this laptop only: <code>" + url + "</code>. "
                "Restart with <code>--allow-remote</code> to let phones on the room's "
                "network join.</p>")
    return (f"<div style='display:flex;gap:1em;align-items:center'>"
            f"<div style='width:180px'>{svg_qr(link['url'], scale=4)}</div>"
            f"<div><p><b>Scan to answer on your phone</b></p><p><code>{url}</code></p>"
            f"</div></div>")


def guess_section(session: Workshop):
    """The phone round (open, count, reveal) and the typed-in fallback."""
    import ipywidgets as W

    if session.views_note:
        return _views_missing(session)

    from .guess import DEFAULT_QUESTIONS, guess_reveal, make_questions
    from .reveal import LIKERT_ITEMS
    from .room import close_round, current_round, open_round, round_answers

    from ..instrument import item_labels

    labels = item_labels()
    items = [(f"{c} — {labels.get(c, c)}", c) for c in LIKERT_ITEMS]
    pickers = []
    for i, (code, about) in enumerate(DEFAULT_QUESTIONS, start=1):
        pickers.append((W.Dropdown(options=items, value=code, description=f"Q{i}",
                                   style=WIDE, layout=W.Layout(width="420px")),
                        W.Dropdown(options=[("about the sales side", "sales"),
                                            ("about the marketing side", "marketing")],
                                   value=about, layout=W.Layout(width="220px"))))
    preview = W.HTML()

    def show_preview(_=None):
        preview.value = ("<p><b>The phones will ask:</b></p><ol>" + "".join(
            f"<li>{html.escape(q['text'])}</li>" for q in questions()) + "</ol>")

    for c, a in pickers:
        c.observe(show_preview, "value")
        a.observe(show_preview, "value")
    link = W.HTML(value=_link_html(session))
    status = W.HTML()
    result = W.HTML()
    open_b = W.Button(description="Open the round", button_style="primary")
    count_b = W.Button(description="How many answers?")
    reveal_b = W.Button(description="Close and reveal", button_style="warning")

    def questions():
        return make_questions([(c.value, a.value) for c, a in pickers])

    show_preview()

    def say(text: str) -> None:
        status.value = f"<p>{html.escape(text)}</p>"

    def on_open(_=None):
        if session.room is None:
            say("No phone round in this session (see above).")
            return
        open_round(session.room, questions())
        result.value = ""
        say("Round open: ask the room to scan the code and answer.")

    def on_count(_=None):
        if session.room is None or not current_round(session.room):
            say("No round is open.")
            return
        say(f"{len(round_answers(session.room))} answers so far.")

    def on_reveal(_=None):
        if session.room is None or not current_round(session.room):
            say("No round is open.")
            return
        close_round(session.room)
        rnd = current_round(session.room)
        rev = guess_reveal(session.survey_reveal, rnd["questions"],
                           round_answers(session.room),
                           min_group_size=session.min_group_size)
        say(f"Round closed with {rev['n_answers']} answers.")
        result.value = render_html(views.show_guess_reveal, result=rev)

    open_b.on_click(on_open)
    count_b.on_click(on_count)
    reveal_b.on_click(on_reveal)
    phone = W.VBox([link, *[W.HBox(list(p)) for p in pickers], preview,
                    W.HBox([open_b, count_b, reveal_b]), status, result])

    # typed fallback: the guesses called out in the room, for the item chosen here
    code = W.Dropdown(options=reveal_options(), value="CLAIM_LEADS",
                      description="Scale/item", layout=W.Layout(width="60%"))
    measure = W.ToggleButtons(options=[(label, key) for key, label in GUESS_MEASURES.items()],
                              description="Guess the", style=WIDE)
    g_sales = W.FloatText(description="About sales", value=50.0, style=WIDE)
    g_mkt = W.FloatText(description="About marketing", value=50.0, style=WIDE)
    compare = W.Button(description="Compare", button_style="primary")
    typed = W.HTML()

    def show_typed(_=None):
        def body():
            view, res = session.reveal(code.value)
            if res is None:
                views.show_filter_note(view)
                return
            views.show_guesses(score_guesses(res, {"sales": g_sales.value,
                                                   "marketing": g_mkt.value},
                                             measure=measure.value))
        try:
            typed.value = render_html(body)
        except Exception as exc:  # a guess out of range: say so in the app
            typed.value = f"<p><b>{html.escape(str(exc))}</b></p>"

    compare.on_click(show_typed)
    fallback = W.VBox([W.HTML("<h4>No phones? Type the room's guesses</h4>"), code, measure,
                       W.HBox([g_sales, g_mkt]), compare, typed])
    box = W.VBox([phone, fallback])
    box.add_class("aligndx-guess")
    box.controls = {"open": open_b, "count": count_b, "reveal": reveal_b, "status": status,
                    "result": result, "pickers": pickers, "compare": compare,
                    "typed": typed, "g_sales": g_sales, "g_mkt": g_mkt, "code": code}
    return box


# --- incentive what-if ------------------------------------------------------------------------
def whatif_section(session: Workshop):
    """Sliders over marketing's share, a company gate and an SLA bonus; cost and evidence."""
    import ipywidgets as W

    if session.data.plan is None or session.simulate(
            marketing_share=0.0, gate=0.0, sla_bonus_per_person=0.0) is None:
        return W.HTML(render_html(show_markdown, text=(
            "_No compensation plan or no won deals in this engagement's results: the "
            "what-if is not available._")))
    base = plan_baseline(session.data.plan)
    lo, hi, step = SLIDER_RANGES["marketing_share"]
    share = W.FloatSlider(value=base["marketing_share"], min=lo, max=hi, step=step,
                          description="Marketing %", readout_format=".1%", style=WIDE)
    lo, hi, step = SLIDER_RANGES["gate"]
    gate = W.FloatSlider(value=base["gate"], min=lo, max=hi, step=step,
                         description="Company gate", readout_format=".0%", style=WIDE)
    lo, hi, step = SLIDER_RANGES["sla_bonus_per_person"]
    bonus = W.FloatSlider(value=0.0, min=lo, max=hi, step=step, description="SLA bonus",
                          readout_format=",.0f", style=WIDE)

    def show(marketing_share, gate, sla_bonus_per_person):
        views.show_simulation(session.simulate(marketing_share=marketing_share, gate=gate,
                                               sla_bonus_per_person=sla_bonus_per_person),
                              session.currency)

    out = live_output(show, {"marketing_share": share, "gate": gate,
                             "sla_bonus_per_person": bonus})
    box = W.VBox([W.HBox([share, gate, bonus]), out])
    box.add_class("aligndx-whatif")
    box.controls = {"marketing_share": share, "gate": gate, "sla_bonus": bonus, "out": out}
    return box


# --- SLA designer -----------------------------------------------------------------------------
def sla_section(session: Workshop):
    """First-touch and attempts targets (the grid prepared in results.json)."""
    import ipywidgets as W

    grid = session.sla_grid()
    if grid is None:
        res = session.design_sla(first_touch_hours=session.settings.sla_first_touch_hours,
                                 attempts=session.settings.well_worked_attempts)
        return W.HTML(render_html(views.show_sla, result=res))
    hours_opts = [(f"{h:g} h", h) for h in grid["hours"]]
    h0 = float(session.settings.sla_first_touch_hours)
    hours = W.SelectionSlider(options=hours_opts, value=h0 if h0 in grid["hours"]
                              else grid["hours"][0], description="First touch ≤", style=WIDE)
    a0 = int(session.settings.well_worked_attempts)
    attempts = W.SelectionSlider(options=[(str(a), a) for a in grid["attempts"]],
                                 value=a0 if a0 in grid["attempts"] else grid["attempts"][0],
                                 description="Attempts ≥", style=WIDE)

    def show(first_touch_hours, attempts):
        views.show_sla(session.design_sla(first_touch_hours=first_touch_hours,
                                          attempts=attempts), session.currency)

    out = live_output(show, {"first_touch_hours": hours, "attempts": attempts})
    box = W.VBox([W.HBox([hours, attempts]), out])
    box.add_class("aligndx-sla")
    box.controls = {"hours": hours, "attempts": attempts, "out": out}
    return box
