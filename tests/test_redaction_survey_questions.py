"""Attack 9, SF1: a survey question that asks for a person's name or e-mail address ("Your
full name (optional)", "Who is your manager?", "Q3. What is your name?", "Email address") is a
name source: its answers feed the known names the redactor removes from comments, and the
column itself is never carried into the canonical table. A question about a thing ("Team
name", "Which team do you work in?", "Who owns lead follow-up?") is not, and a categorical
answer ("Yes", "Sales", "Anonymous") never becomes a name."""

from __future__ import annotations

import csv
import json
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLES
from toolkit.intake.contacts import question_person_kind
from toolkit.intake.matching import instrument_wordings
from toolkit.intake.surveybuild import SurveyExport, personal_names, survey_person_kind

NAME_QUESTIONS = [
    "Name", "Your name", "What is your name?", "What's your name?", "Your full name (optional)",
    "Name (optional)", "Please enter your name", "Enter your name", "Respondent name",
    "Employee name", "Full name", "Full Name:", "Name*", "Q3. Your name", "Q3 Your name",
    "3) Your name", "Question 4: What is your e-mail address? *", "Your e-mail address",
    "E-mail", "Email (optional)", "Email address", "Work email", "Your email address",
    "Company e-mail", "Manager's name", "Manager’s name", "Who is your manager?",
    "Who's your boss?", "Who do you report to?", "Who is your line manager?",
    "Who is your team lead?", "Who is your sales rep?", "Name of your manager",
    "Name of your direct supervisor", "Your manager", "Your manager (optional)",
    "Line manager", "Direct manager", "Supervisor name", "Team lead name", "Co-worker name",
    "Your colleague's name", "What's your line manager's e-mail?", "Your name and team",
    "First and last name", "Please enter your preferred first name", "Display name",
    "Nickname", "Username", "Reports to", "Submitted by", "Contact information - Name",
    "Who is your manager? - Other (please specify)", "Prénom", "Vorname", "Nachname", "Nom",
    "Votre nom", "Ihr Name", "Name / Nombre", "Respondent",
    "If you would like us to follow up, please enter your e-mail address",
]

NOT_NAME_QUESTIONS = [
    "How satisfied are you with the name of the new process?", "Which team do you work in?",
    "Who owns lead follow-up? (choose one)", "Who owns lead follow-up?", "Team name",
    "Company name", "Account name", "Product name", "Campaign name", "Name of the new process",
    "What would you name the new process?", "Suggest a name for the program",
    "How does your manager support you?", "Are you a manager?", "Manager level",
    "Is your manager supportive?", "Rate your manager", "My manager gives me useful feedback",
    "I know my manager's name", "Name your biggest blocker",
    "How often do you check your email?", "Do you use email or phone to follow up?",
    "Email or phone: which do you prefer?", "Preferred contact method", "Contact method",
    "Who is responsible for lead follow-up?", "Who should follow up on inbound leads?",
    "Who do you ask for help?", "Who is the customer?", "Which CRM name do you use?",
    "Which channels do you use?", "What is your department?", "What is your role?",
    "Timestamp", "Home address", "Employee ID", "Respondent ID", "Start time", "Region",
    "Level", "Tenure", "Phone", "User", "Responsiveness - Account Executive",
    "Manager support - My manager helps me",
    "How much do you agree? [Marketing shares good leads]",
    "Please upload a photo of yourself", "",
]


@pytest.mark.parametrize("text", NAME_QUESTIONS)
def test_name_questions_are_recognised(text):
    assert question_person_kind(text) is not None
    assert survey_person_kind("QID7", text) is not None   # as a platform's question text
    assert survey_person_kind(text) is not None           # as a form's column header


@pytest.mark.parametrize("text", NOT_NAME_QUESTIONS)
def test_other_questions_are_not(text):
    assert question_person_kind(text) is None


def test_name_parts():
    assert question_person_kind("First name") == "first"
    assert question_person_kind("Q2. Your last name (optional)") == "last"
    assert question_person_kind("Surname") == "last"
    assert question_person_kind("First and last name") == "whole"
    assert question_person_kind("Your full name") == "whole"


def test_no_instrument_wording_is_a_name_question():
    """Recognising name questions never takes an instrument item away from the analysis."""
    for code, wording in instrument_wordings().items():
        assert question_person_kind(wording) is None, (code, wording)
        assert question_person_kind(code) is None, code


def _export(**columns) -> SurveyExport:
    df = pd.DataFrame(columns, index=range(2, 2 + len(next(iter(columns.values())))))
    return SurveyExport(df=df, texts={c: c for c in df.columns}, personal=list(df.columns))


def test_answers_of_name_questions_are_names_and_answers_are_not():
    export = _export(**{
        "Your full name (optional)": ["Lysander Brackenbury", "Anonymous", "",
                                      "Prefer not to say", "Octavia Ashdown"],
        "Who is your manager?": ["Ferdinand Ormsby", "Humphrey Lavenham", "N/A", "42", "no"],
    })
    names = personal_names(export)
    assert {"Lysander Brackenbury", "Octavia Ashdown", "Ferdinand Ormsby",
            "Humphrey Lavenham"} <= set(names)
    lowered = {n.lower() for n in names}
    assert not lowered & {"anonymous", "prefer not to say", "n/a", "42", "no", ""}


def test_first_and_last_name_questions_are_joined():
    names = personal_names(_export(**{"Q1. First name": ["Octavia", "Leopold"],
                                      "Q2. Last name": ["Ashdown", "Jellicoe"]}))
    assert {"Octavia Ashdown", "Leopold Jellicoe"} <= set(names)


def test_redaction_of_comments_naming_them():
    from toolkit.privacy import make_redactor

    names = personal_names(_export(**{"What is your name?": ["Lysander Brackenbury"],
                                      "Manager's name": ["Ferdinand Ormsby"]}))
    red = make_redactor(names)
    out = red("My manager Ferdinand Ormsby blocks it. Signed, Lysander Brackenbury.")
    assert "Ormsby" not in out and "Brackenbury" not in out and "Lysander" not in out


def test_categorical_questions_stay_in_the_survey_and_name_nobody():
    """"Which team do you work in?" and "Who owns lead follow-up? (choose one)" are
    questions: their answers (Sales, Marketing, Yes) are not names."""
    export = _export(**{"Which team do you work in?": ["Sales", "Marketing"],
                        "Who owns lead follow-up? (choose one)": ["Sales", "Marketing"],
                        "How satisfied are you with the name of the new process?": ["Yes",
                                                                                   "No"]})
    assert personal_names(export) == []


# ---- SurveyMonkey two-row export, end to end ------------------------------------------

SELF_F = ["Octavia", "Leopold", "Marigold", "Percival", "Hortensia", "Cornelius", "Drusilla",
          "Fitzwilliam", "Gwendolyn", "Lysander"]
SELF_L = ["Ashdown", "Brackenbury", "Cholmondeley", "Dunwoody", "Eversleigh", "Fotheringham",
          "Grimsditch", "Hollingworth", "Inglethorpe", "Jellicoe"]
MGR_F = ["Anastasia", "Bartholomew", "Clementine", "Desmond", "Ignatz", "Ferdinand",
         "Georgiana", "Humphrey", "Isadora", "Jasper"]
MGR_L = ["Kettleborough", "Lavenham", "Mountjoy", "Netherby", "Ormsby", "Pickering",
         "Quarrington", "Rockingham", "Sedgwick", "Tattersall"]
TEAM_Q = "Which team do you work in?"


def _surveymonkey_engagement(dst):
    """followup-gap with its survey rewritten as a SurveyMonkey export holding two name
    questions ("Q1. Your full name (optional)", "Who is your manager?"), an e-mail question,
    and comments naming those people (attack 9, repro SM)."""
    from toolkit.instrument import load_instrument, load_response_sets

    src = SAMPLES / "followup-gap"
    shutil.copytree(src, dst)
    df = pd.read_csv(src / "survey/responses.csv", dtype=str, keep_default_na=False)
    ins = load_instrument().set_index("code")
    lab = {(r.response_set, str(r.value)): r.label for r in load_response_sets().itertuples()}
    codes = [c for c in df.columns if c != "respondent_id"]
    h1 = ["Respondent ID", "Collector ID", "Start Date", "End Date",
          "Q1. Your full name (optional)", "Who is your manager?", "Your e-mail (optional)"]
    h2 = ["", "", "", "", "Open-Ended Response", "Open-Ended Response", "Open-Ended Response"]
    for c in codes:
        rset = ins.loc[c, "response_set"]
        h1.append(TEAM_Q if c == "team" else ins.loc[c, "wording"])
        h2.append("Open-Ended Response" if rset.startswith("text") else "Response")
    rows = [h1, h2]
    for i, r in df.iterrows():
        sf, sl = SELF_F[i % 10], SELF_L[(i // 10) % 10]
        mf, ml = MGR_F[i % 10], MGR_L[(i // 10) % 10]
        row = [str(11400000000 + i), "4321", "11/03/2025 09:00:00 AM", "11/03/2025 09:10:00 AM",
               f"{sf} {sl}" if i % 7 else "Anonymous", f"{mf} {ml}",
               f"{sf.lower()}.{sl.lower()}@client.example"]
        for c in codes:
            v, rset = r[c], ins.loc[c, "response_set"]
            if c == "OPEN1" and v:
                v = f"{v} My manager {mf} {ml} blocks it."
            elif c == "OPEN2" and v:
                v = f"{v} Signed, {sf} {sl}."
            elif not rset.startswith("text") and v:
                v = lab.get((rset, v), v)
            row.append(v)
        rows.append(row)
    with open(dst / "survey/responses.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    t = (dst / "engagement.toml").read_text()
    t = t.replace('format = "canonical"\nteam_column = "team"',
                  f'format = "surveymonkey"\nteam_column = "{TEAM_Q}"', 1)
    assert "surveymonkey" in t
    (dst / "engagement.toml").write_text(t)
    return dst


def test_surveymonkey_name_questions_end_to_end(tmp_path):
    from toolkit.pipeline import analyse_folder

    eng = _surveymonkey_engagement(tmp_path / "sm")
    results = analyse_folder(eng)
    text = json.dumps(results, ensure_ascii=False, default=str)
    words = SELF_F + SELF_L + MGR_F + MGR_L
    hits = {w: text.count(w) for w in words if w in text}
    assert hits == {}
    assert "blocks it" in text or "Signed" in text   # the comments themselves are reported
    # the name questions are personal data: never mapped, listed as dropped
    survey = next(f for f in results["data"]["intake"] if f["table"] == "survey")
    mapped = set(survey["columns_mapped"])
    assert not mapped & {"Q1. Your full name (optional)", "Who is your manager?",
                         "Your e-mail (optional)"}
    assert survey["columns_mapped"].get(TEAM_Q) == "team"


NOT_NAMES = ["Not sure", "Don't know", "Head of Sales", "Too many to list", "Our CRO",
             "Most of the time the CEO", "No idea", "Can't say", "Depends on the week",
             "I have none", "Honestly not sure", "For now nobody", "Leads data",
             "Individual contributor", "People manager", "N/A", "to",
             # attack 11 SQ1R: capitalised answers that are not names
             "Same as last year", "See above", "Still hiring", "Never met them",
             "Great question", "Hard to say", "Left the company", "Unclear", "Ask HR",
             # attack 12 TA2: fragments left by the split
             "I don't have one", "Nobody yet", "Doesn't matter", "Nobody at the moment",
             "Myself (founder)", "Changes every quarter", "Being hired"]


@pytest.mark.parametrize("answer", NOT_NAMES)
def test_answers_typed_instead_of_a_name_name_nobody(answer):
    """Attack 10 SQ1: what respondents type into "Who is your manager?" instead of a name
    is not a name (as one it removed "don't", "data", "many" from every comment)."""
    from toolkit.nameforms import fold
    from toolkit.namewords import typed_names

    assert typed_names(answer, fold) == []
    assert personal_names(_export(**{"Who is your manager?": [answer, "Ferdinand Ormsby"]})
                          ) == ["Ferdinand Ormsby"]


@pytest.mark.parametrize("answer, names", [
    ("Priya from sales", ["Priya"]),
    ("Jane Dubois and Tom Li", ["Jane Dubois", "Tom Li"]),
    ("O'Brien, Sean", ["O'Brien, Sean"]),
    ("Maria de los Angeles Garcia", ["Maria de los Angeles Garcia"]),
    ("Dr. Müller", ["Dr. Müller"]),
    ("DUBOIS Jane", ["DUBOIS Jane"]),
    ("Not sure, maybe Ferdinand Ormsby", ["Ferdinand Ormsby"]),
    ("Sarah (VP Sales)", ["Sarah (VP Sales)"]),
    ("王小明", ["王小明"]),
    ("Li", ["Li"]),
    # attack 11 SQ2: recall first — lower case as typed, surnames that are ordinary words
    ("jane dubois", ["Jane Dubois"]),   # given capitals (attack 13 TL1)
    ("Joe Head", ["Joe Head"]), ("Sarah Slack", ["Sarah Slack"]), ("Ann Most", ["Ann Most"]),
    ("Tom Well", ["Tom Well"]), ("Amy Data", ["Amy Data"]), ("Kim Weeks", ["Kim Weeks"]),
    ("Joe Person", ["Joe Person"]),
    # attack 12 TA1 (digits) and TA3 (several people in one answer)
    ("Ingrid Halvorsen (team 2)", ["Ingrid Halvorsen"]),
    ("2nd line: Marek Dvorak", ["Marek Dvorak"]),
    ("Olu Adeyemi since 2021", ["Olu Adeyemi"]),
    ("Priya Chen since January", ["Priya Chen"]),
    ("Ravi Ng & Lena Wu", ["Ravi Ng", "Lena Wu"]),
    ("Ravi Ng / Lena Wu; Tom Li", ["Ravi Ng", "Lena Wu", "Tom Li"]),
])
def test_names_typed_into_a_name_question_are_kept(answer, names):
    from toolkit.nameforms import fold
    from toolkit.namewords import typed_names

    assert typed_names(answer, fold) == names


def test_non_name_answers_leave_every_comment_as_it_was(tmp_path):
    """End to end (the attack's build): a third of the respondents answer "Who is your
    manager?" with phrases; the comments and theme labels are those of the sample without
    the question, and a real name among the answers is still removed."""
    from toolkit.pipeline import analyse_folder

    def build(dst, answers):
        shutil.copytree(SAMPLES / "followup-gap", dst)
        p = dst / "survey" / "responses.csv"
        rows = list(csv.reader(p.open(newline="", encoding="utf-8")))
        rows[0].append("Who is your manager?")
        for i, r in enumerate(rows[1:]):
            r.append(answers[(i // 3) % len(answers)] if i % 3 == 0 else "")
        with p.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        return dst

    def comments(res):
        return json.dumps((res.get("survey") or {}).get("comments"), sort_keys=True)

    base = analyse_folder(SAMPLES / "followup-gap")
    odd = analyse_folder(build(tmp_path / "odd", NOT_NAMES))
    assert "[name removed]" not in comments(base)
    assert comments(odd) == comments(base)


def test_a_managers_e_mail_and_ordinary_word_surnames_are_names_sq2():
    """Attack 11 SQ2: an e-mail address typed into "Who is your manager?" is a name source
    (whole and with its name-like words), and "Joe Head" keeps its surname."""
    from toolkit.privacy import make_redactor

    names = personal_names(_export(**{"Who is your manager?": [
        "tomasz.nowak@acme.com", "Joe Head", "Sarah Slack", "Not sure"]}))
    assert "tomasz.nowak@acme.com" in names and "tomasz nowak" in {n.lower() for n in names}
    assert {"Joe Head", "Sarah Slack"} <= set(names) and "Not sure" not in names
    red = make_redactor(names)
    for text in ("Tomasz Nowak never calls our leads back.", "Nowak ignores every MQL.",
                 "Joe Head overrules the lead scoring.", "Sarah Slack never follows up."):
        out = red(text)
        for word in ("Tomasz", "Nowak", "Joe", "Head", "Sarah", "Slack"):
            assert word not in out, (text, out)
    assert red("I don't know why we are not sure.") == "I don't know why we are not sure."


def test_names_with_digits_or_several_people_are_redacted_ta1_ta3():
    """Attack 12 TA1, TA3: a digit in the answer no longer hides the name in it, and two
    people joined by "&" are two names (two-letter surnames removed after their given name)."""
    from toolkit.privacy import make_redactor

    names = personal_names(_export(**{"Who is your manager?": [
        "Ingrid Halvorsen (team 2)", "Olu Adeyemi since 2021", "Ravi Ng & Lena Wu"]}))
    red = make_redactor(names)
    for text in ("Olu Adeyemi never follows up on webinar leads.",
                 "Ingrid Halvorsen decides the SLA.", "Ravi Ng and Lena Wu ignore us."):
        out = red(text)
        for word in ("Olu", "Adeyemi", "Ingrid", "Halvorsen", "Ravi", "Ng", "Lena", "Wu"):
            assert word not in out.split(), (text, out)
    for text in ("Not one rep called the webinar leads back.", "It does not matter how good "
                 "the lead is.", "Changes to lead scoring are never explained."):
        assert red(text) == text
