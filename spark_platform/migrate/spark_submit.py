"""A step's spark-submit command line, as Spark's ``SparkSubmitArguments`` reads it.

Options come before the application (a JAR or a .py file); everything after it is the
application's own arguments. ``--opt value`` and ``--opt=value`` are both accepted, ``--conf``
and ``-c`` repeat. EMR's ``command-runner.jar`` forms are recognised: ``spark-submit`` (or its
path, /usr/lib/spark/bin/spark-submit), and ``spark-example`` / ``run-example`` (EMR's wrapper
of Spark's bin/run-example: the example's class in Spark's examples JAR).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The examples JAR inside EMR's Spark images (EMR on EKS runs its examples from local://).
EXAMPLES_JAR = "local:///usr/lib/spark/examples/jars/spark-examples.jar"
EXAMPLES_PACKAGE = "org.apache.spark.examples"

# spark-submit options that take a value (Spark 3.5 SparkSubmitOptionParser).
_WITH_VALUE = {
    "--master", "--deploy-mode", "--class", "--name", "--jars", "--packages", "--exclude-packages",
    "--repositories", "--py-files", "--files", "--archives", "--conf", "-c", "--properties-file",
    "--driver-memory", "--driver-java-options", "--driver-library-path", "--driver-class-path",
    "--executor-memory", "--driver-cores", "--total-executor-cores", "--executor-cores", "--num-executors",
    "--queue", "--principal", "--keytab", "--proxy-user",
}  # fmt: skip
_FLAGS = {"--verbose", "-v", "--supervise"}


@dataclass
class SparkSubmit:
    application: str = ""  # the JAR or .py file
    arguments: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)  # the last value of each option
    conf: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def csv(self, option: str) -> list[str]:
        return [item for item in self.options.get(option, "").split(",") if item]


def parse_spark_submit(args: list[str] | tuple[str, ...]) -> SparkSubmit:
    """``args`` without the ``spark-submit`` command itself."""
    parsed = SparkSubmit()
    position = 0
    while position < len(args):
        arg = args[position]
        name, has_inline, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _WITH_VALUE:
            if has_inline:
                value = inline
            elif position + 1 < len(args):
                position += 1
                value = args[position]
            else:
                parsed.problems.append(f"{name} has no value")
                break
            if name in ("--conf", "-c"):
                key, equals, conf_value = value.partition("=")
                if equals:
                    parsed.conf[key.strip()] = conf_value
                else:
                    parsed.problems.append(f"--conf {value!r} is not key=value")
            else:
                parsed.options[name] = value
        elif arg in _FLAGS:
            parsed.flags.append(arg)
        elif arg.startswith("-") and not parsed.application:
            parsed.problems.append(f"{arg} is not a spark-submit option")
        else:
            parsed.application = arg
            parsed.arguments = list(args[position + 1 :])
            break
        position += 1
    return parsed


def parse_run_example(args: list[str] | tuple[str, ...]) -> SparkSubmit:
    """``run-example [spark-submit options] SparkPi 10``: the example class in Spark's examples JAR."""
    parsed = parse_spark_submit(args)
    example = parsed.application
    parsed.application = EXAMPLES_JAR
    parsed.options["--class"] = example if "." in example else f"{EXAMPLES_PACKAGE}.{example}"
    return parsed


def command_of(args: tuple[str, ...]) -> str:
    """The program a command-runner.jar step runs: spark-submit, spark-example, hive-script..."""
    return args[0].rsplit("/", 1)[-1] if args else ""
