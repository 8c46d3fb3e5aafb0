import BreakwaterTestSupport
import Foundation

/// `Schemas/circuits.schema.json`, the schema of `/circuits` the repository documents.
let circuitsSchema = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Schemas/circuits.schema.json")

/// What python-jsonschema (Draft 2020-12) says is wrong with `json` against the circuits schema,
/// or against its definition `definition` (`circuit` for `/circuits/{name}`); `nil` when it is
/// valid. Throws when the validator cannot run.
func schemaViolations(of json: [UInt8], definition: String? = nil) async throws -> String? {
    let script = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        if len(sys.argv) > 2:
            schema = {"$ref": "#/$defs/" + sys.argv[2], "$defs": schema["$defs"]}
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in jsonschema.Draft202012Validator(schema).iter_errors(json.loads(sys.stdin.read()))]
        print("\\n".join(errors))
        sys.exit(1 if errors else 0)
        """
    let run = try await runExternalTool(
        URL(fileURLWithPath: "/usr/bin/python3"),
        arguments: ["-c", script, circuitsSchema.path] + (definition.map { [$0] } ?? []),
        input: json,
        mergeOutput: true
    )
    let output = String(decoding: run.standardOutput, as: UTF8.self)
    switch run.exitCode {
    case 0: return nil
    case 1 where !output.contains("Traceback"): return output
    default: throw ExternalToolError.toolMissing("python3 with jsonschema failed (run Scripts/install-test-tools): \(output)")
    }
}
