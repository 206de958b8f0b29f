"""`lgsco-letters check`: is a whole year safe to build? Every problem, found before a mass run.

Data, templates (compile, names used against the context), every letter's HTML, and with
`--pdf` every letter's PDF read as pages by the layout check (`render/layout.py`), with its page
count against the year's usual.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import meta, nodes

from lgsco_letters.data.models import Year
from lgsco_letters.data.year import YEAR_FILE
from lgsco_letters.errors import DataError, Problem, RenderError
from lgsco_letters.mail.message import COVER_HTML, COVER_TEXT, SUBJECT, render_cover
from lgsco_letters.project import Project
from lgsco_letters.render.findings import Finding, usual_pages, with_page_count
from lgsco_letters.render.templating import (
    Templates,
    fault_problems,
    render_letter_html,
)
from lgsco_letters.words import suggest

# Context entries that the template functions (asset, stylesheets) read, not templates.
FOR_FUNCTIONS = {"render_mode", "asset_prefix"}
# Year-wide values reported key by key, in year.yaml's own words, and only when it sets them.
FROM_YEAR_FILE = {"prose"}
EMAIL_EXTRAS = {"attachment_name", "sender"}
STAND_IN_SENDER = "sender@example.org"  # for `{{ sender }}` in a cover note, which send sets


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    authorities: int = 0
    pages: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.problems


def check_year(data_dir: Path, templates_dir: Path, pdf: bool = False,
               jobs: int = 1) -> CheckReport:
    """`check_project` of the year in `data_dir` with the templates in `templates_dir`."""
    return check_project(Project.at(data_dir, templates_dir), pdf, jobs)


def check_project(project: Project, pdf: bool = False, jobs: int = 1) -> CheckReport:
    project.folders()  # a missing folder is said first: the year's, then the templates'
    report = CheckReport()
    templates = project.templates
    report.problems += templates.compile_all()
    try:
        year = project.year
    except DataError as error:
        report.problems += error.problems
        return report
    report.authorities = len(year.authorities)
    if report.problems:  # a template that does not compile: nothing more can be learnt
        return report
    _check_names(year, templates, report)
    htmls = _render_html(year, templates, report)
    _render_covers(year, templates, report)
    if pdf and report.clean:
        _render_pdfs(year, htmls, templates, report, jobs)
    return report


def _names_used(templates: Templates, names: list[str]) -> tuple[dict, dict]:
    """Top-level names and `prose.` keys the templates use, each with where it is first used."""
    used, prose, declared = {}, {}, set()
    for name in names:
        ast = templates.env.parse(templates.env.loader.get_source(templates.env, name)[0])
        undeclared = meta.find_undeclared_variables(ast)
        for node in ast.find_all(nodes.Name):
            if node.name in undeclared:
                used.setdefault(node.name, (name, node.lineno))
            elif node.ctx == "store":
                declared.add(node.name)
        for node in ast.find_all(nodes.Getattr):
            if _is_prose(node.node):
                prose.setdefault(node.attr, (name, node.lineno))
    # a partial may use what the template including it sets (a loop's `m`, the measure)
    return {key: where for key, where in used.items() if key not in declared}, prose


def _is_prose(node: nodes.Node) -> bool:
    """`prose`, or `year.prose`: where a template reads the year's prose figures."""
    if isinstance(node, nodes.Name):
        return node.name == "prose"
    return (isinstance(node, nodes.Getattr) and node.attr == "prose"
            and isinstance(node.node, nodes.Name) and node.node.name == "year")


def _check_names(year: Year, templates: Templates, report: CheckReport) -> None:
    letter = templates.closure(year.template)
    available = set(templates.context(year, year.authorities[0])) | set(templates.env.globals)
    used, prose = _names_used(templates, letter)
    _missing(used, available, templates, report)
    unused = set(available) - set(used) - FOR_FUNCTIONS - FROM_YEAR_FILE
    for key in sorted(unused - set(templates.env.globals)):
        report.warnings.append(Problem(templates.folder / year.template,
                                       f'"{key}" is in every letter\'s context but no letter '
                                       "template uses it"))
    for key in sorted(set(year.prose) - set(prose)):
        report.warnings.append(Problem(year.folder / YEAR_FILE, "is never used by the letter "
                                       "templates", field=f"prose.{key}"))
    for key, (name, line) in sorted(prose.items()):
        if key not in year.prose:
            report.problems.append(Problem(
                templates.folder / name, f"uses prose.{key}, which {YEAR_FILE} does not give"
                + suggest(key, list(year.prose)), line))
    emails = [n for n in (SUBJECT, COVER_TEXT, COVER_HTML) if n in templates.env.list_templates()]
    email_used, _ = _names_used(templates, emails)
    _missing(email_used, available | EMAIL_EXTRAS, templates, report)


def _missing(used: dict, available: set, templates: Templates, report: CheckReport) -> None:
    for key, (name, line) in sorted(used.items()):
        if key not in available:
            report.problems.append(Problem(templates.folder / name,
                                           f'uses "{key}", which no letter\'s context has'
                                           + suggest(key, sorted(available)), line))


def _render_html(year: Year, templates: Templates, report: CheckReport) -> dict[str, str]:
    """Every letter's HTML, by slug. A failure shared by many letters is reported once."""
    htmls: dict[str, str] = {}
    failures: dict[tuple, list] = collections.defaultdict(list)
    already = {(problem.file, problem.line) for problem in report.problems}
    for authority in year.authorities:
        try:
            htmls[authority.slug] = render_letter_html(templates, year, authority)
        except RenderError as error:
            failures[error.where].append(authority)
    report.problems += fault_problems(
        {where: authorities for where, authorities in failures.items()
         if (where[0], where[1]) not in already},  # the name check has said it: said once
        len(year.authorities), templates.folder)
    return htmls


def _render_covers(year: Year, templates: Templates, report: CheckReport) -> None:
    """Every letter's cover note (`templates/email/`): it goes with the letter, so a fault in
    it is a fault in what is sent. `send --from` is not known here: a stand-in takes its place."""
    failures: dict[tuple, list] = collections.defaultdict(list)
    already = {(problem.file, problem.line) for problem in report.problems}
    for authority in year.authorities:
        try:
            render_cover(templates, year, authority, STAND_IN_SENDER)
        except RenderError as error:
            if (error.template, error.line) not in already:
                failures[error.where].append(authority)
    report.problems += fault_problems(failures, len(year.authorities), templates.folder)


def _render_pdfs(year: Year, htmls: dict[str, str], templates: Templates, report: CheckReport,
                 jobs: int) -> None:
    from lgsco_letters.build.pool import run_jobs
    from lgsco_letters.build.workers import Job
    from lgsco_letters.render.variants import pdf_options

    by_slug = {a.slug: a for a in year.authorities}
    work = [Job(slug, html, None) for slug, html in htmls.items()]
    findings: dict[str, tuple[Finding, ...]] = {}
    with run_jobs(work, templates.folder, jobs, pdf_options()) as outcomes:
        for outcome in outcomes:
            authority = by_slug[outcome.key]
            if outcome.error:
                report.problems.append(Problem(authority.source, outcome.error, authority.line,
                                               authority.name))
            else:
                report.pages[authority.name] = outcome.pages
                findings[authority.slug] = outcome.layout
    _report_layout(year, findings, report)


def _report_layout(year: Year, findings: dict[str, tuple[Finding, ...]],
                   report: CheckReport) -> None:
    """Each letter's layout findings, in the year's order: problems, and warnings (an unusual
    page count among them)."""
    usual = usual_pages(list(report.pages.values()))
    for authority in year.authorities:
        if authority.slug not in findings:
            continue
        found = with_page_count(findings[authority.slug], report.pages[authority.name], usual)
        for finding in found:
            problem = Problem(authority.source, finding.message, authority.line, authority.name,
                              code=finding.code)
            (report.problems if finding.is_problem else report.warnings).append(problem)
