# lgsco_letters/formats/headline_2020.py
from dataclasses import replace

from lgsco_letters.data.schema import CountGroup
from lgsco_letters.formats.base import Measure
from lgsco_letters.formats.headline_2019 import FORMAT as BASE

IMPROVEMENTS = CountGroup("service_improvements", ("recommended", "implemented"))
FORMAT = replace(
    BASE, name="headline-2020", description="headline-2019 with service improvements",
    counts=(*BASE.counts, IMPROVEMENTS),
    measures=(*BASE.measures, Measure(
        key="improvement_rate", title="Service improvements implemented",
        numerator=("service_improvements_implemented",),
        denominator=("service_improvements_recommended",))))
