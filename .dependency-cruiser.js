/**
 * The layering rules (`npm run lint:deps`, run by .ci/run): the pure IAM core under everything, config and the
 * components below the tools that read what they declare, the policy pack and adopt beside the pull-request report,
 * never inside it, and no import circles. README "Layout" draws the same picture.
 */
const PROJECT_OUTSIDE_IAM = "^(index|project|engineLogs)\\.ts$|^(adopt|bench|cluster|components|config|offline|policy|preview|scripts|test|tools)/";

module.exports = {
    forbidden: [
        {
            name: "no-circular",
            severity: "error",
            comment: "An import circle: one of the modules belongs below the other (usually a shared fact belongs in iam/).",
            from: {},
            to: { circular: true },
        },
        {
            name: "iam-imports-nothing-of-the-project",
            severity: "error",
            comment: "iam/ is the pure core every layer reaches downward: it imports nothing else of the project.",
            from: { path: "^iam/" },
            to: { path: PROJECT_OUTSIDE_IAM },
        },
        {
            name: "iam-imports-nothing-of-pulumi",
            severity: "error",
            comment: "iam/ is pure: the config refusals, the pack and adopt load it without the Pulumi SDK.",
            from: { path: "^iam/" },
            to: { path: "(^|/)node_modules/@pulumi/" },
        },
        {
            name: "components-and-config-stay-below-the-tools",
            severity: "error",
            comment: "What the program declares (components/, config/) must not depend on the tools that read it.",
            from: { path: "^(components|config)/" },
            to: { path: "^(preview|policy|adopt|bench|tools)/" },
        },
        {
            name: "pack-and-adopt-beside-the-report",
            severity: "error",
            comment: "The policy pack and adopt decide through iam/, never through the pull-request report (preview/).",
            from: { path: "^(policy|adopt)/" },
            to: { path: "^preview/" },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        tsConfig: { fileName: "tsconfig.json" },
        tsPreCompilationDeps: true,
        exclude: { path: "^dist/" },
    },
};
