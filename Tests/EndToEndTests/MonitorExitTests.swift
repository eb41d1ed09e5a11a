import Foundation
import TestSupport
import Testing

/// `plateshell --fail-on-drift -c 'monitor …'`, as a nightly job runs it: the exit status says
/// whether the monitored rows drifted, after the report is printed.
@Suite("End to end: monitor's exit status")
struct MonitorExitTests {
    @Test("--fail-on-drift: exit 1 with the report and the drifted features on drift, 0 without")
    func failOnDrift() throws {
        let directory = try BinaryRunner.projectDirectory()
        let setup = try BinaryRunner.run(
            [
                "--workspace", "ws", "-c",
                "load data/faults.csv as fsp.faults; label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults; keep top=3 by=Label exclude=Other_Faults; fit nb on=all; register nb as m; stage m 1 Production; save as fsp.top3",
            ], in: directory.path)
        #expect(setup.status == 0, "\(setup.standardError)")

        let drifted = try BinaryRunner.run(
            ["--workspace", "ws", "--fail-on-drift", "-c", "monitor models:/m/Production on=fsp.faults"],
            in: directory.path)
        #expect(drifted.status == 1)
        #expect(drifted.standardOutput.contains("│ feature ") && drifted.standardOutput.contains("Tracked as run"))
        #expect(
            drifted.standardError.contains("error: drift: ") && drifted.standardError.contains("Steel_Plate_Thickness"))

        let steady = try BinaryRunner.run(
            ["--workspace", "ws", "--fail-on-drift", "-c", "monitor models:/m/Production on=fsp.top3"],
            in: directory.path)
        #expect(steady.status == 0, "\(steady.standardError)")
        #expect(steady.standardOutput.contains("no feature drifted"))

        let reported = try BinaryRunner.run(
            ["--workspace", "ws", "-c", "monitor models:/m/Production on=fsp.faults"], in: directory.path)
        #expect(reported.status == 0, "without --fail-on-drift, drift is reported, not failed")
    }
}
