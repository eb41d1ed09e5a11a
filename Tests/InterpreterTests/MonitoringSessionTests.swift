import Engine
import Foundation
import TestSupport
import Testing

@testable import Interpreter

@Suite("Session: monitor")
struct MonitoringSessionTests {
    /// A workspace with fsp.faults and version 1 of `m` (naive Bayes on the TOP3 plates: fsp.faults
    /// labelled and kept) in Production; the TOP3 plates as fsp.top3, and their copy with
    /// Steel_Plate_Thickness · 1.5 + 20 as fsp.thick.
    func registered() -> Harness {
        let shell = Harness()
        shell.run(
            "load \(realDataPath) as fsp.faults; \(DeploymentSessionTests.prepare); fit nb on=all; register nb as m; stage m 1 Production; save as fsp.top3"
        )
        let store = try! shell.session.store()
        let top3 = try! store.read(try! store.version(try! TableName(parsing: "fsp.top3")))
        let thickness = try! top3.column(named: "Steel_Plate_Thickness")
        let thick = try! top3.setting(
            Column(
                name: "Steel_Plate_Thickness",
                storage: .real((0..<top3.rowCount).map { thickness.double(at: $0)! * 1.5 + 20 })))
        _ = try! store.write(thick, as: try! TableName(parsing: "fsp.thick"), source: "test", operation: "test")
        return shell
    }

    @Test("monitor: the training rows found from the run; the thick copy drifts on thickness only; a run with a report")
    func driftFromTraining() throws {
        let shell = registered()
        let output = try #require(shell.run("monitor models:/m/Production on=fsp.thick").first)
        #expect(
            output.messages.hasPrefix(
                "Compared 983 rows of fsp.thick v1 with 983 of fsp.faults v1 + 2 steps (m/1): 1 of 27 features drifted (Steel_Plate_Thickness)"
            ))
        let drift = try #require(output.tables(named: "drift").first)
        #expect(drift.columns == ["feature", "psi", "ks", "ks_pvalue", "out_of_range", "missing", "drifted"])
        #expect(drift.rows.count == 27 && drift.value(0, "feature") == .text("Steel_Plate_Thickness"))
        #expect(drift.value(0, "drifted") == .text("yes") && drift.value(1, "drifted") == .text("no"))
        #expect(drift.value(1, "psi") == .real(0) && drift.value(1, "ks_pvalue") == .real(1))
        #expect(output.tables(named: "prediction_shift").first?.rows.count == 3)
        let images = output.blocks.compactMap { if case .image(let image) = $0 { image.name } else { nil } }
        #expect(images == ["psi", "distributions"])

        let catalog = try shell.session.tracking.tracker().catalog
        let run = try catalog.run("latest")
        #expect(run.name == "monitor m/1")
        let metrics = try catalog.latestMetrics(of: run.id)
        #expect(metrics["drifted_features"] == 1 && (metrics["psi_Steel_Plate_Thickness"] ?? 0) > 0.2)
        #expect(try catalog.params(of: run.id)["model_run_id"] == (try catalog.version("m", 1).runId))
        #expect(
            Set(try catalog.inputs(of: run.id).map { "\($0.name) \($0.context)" })
                == ["fsp.thick@v1 monitoring", "fsp.faults@v1 baseline"])
        let files = Set(catalog.artifacts(of: run.id).map(\.path))
        #expect(
            files.isSuperset(of: [
                "monitor/report.html", "monitor/drift.csv", "monitor/bins.csv", "monitor/psi.png",
                "monitor/distributions.png",
            ]))
        let report = try String(
            contentsOfFile: catalog.runDirectory(run.id) + "/monitor/report.html", encoding: .utf8)
        #expect(report.contains("Steel_Plate_Thickness") && report.contains("data:image/png;base64,"))

        // The training rows themselves: nothing drifts.
        let same = try #require(shell.run("monitor models:/m/Production on=fsp.top3").first)
        #expect(same.messages.contains(": no feature drifted"))
        #expect(
            !same.blocks.contains { if case .image(let image) = $0 { image.name == "distributions" } else { false } })
    }

    @Test("monitor fail_on_drift=true: the report is shown, then the entry fails; the setting does the same")
    func failOnDrift() throws {
        let shell = registered()
        let (outputs, failures) = shell.execute("monitor models:/m/Production on=fsp.thick fail_on_drift=true")
        #expect(outputs.first?.tables(named: "drift").first?.rows.count == 27)
        #expect(
            failures.first?.message
                == "drift: 1 feature of fsp.thick v1 drifted from m/1's baseline (Steel_Plate_Thickness)")
        #expect(
            shell.session.execute("monitor models:/m/Production on=fsp.top3 fail_on_drift=true", origin: .commandLine)
                == .ok)
        shell.session.settings.failOnDrift = true
        #expect(
            shell.session.execute("monitor models:/m/Production on=fsp.thick", origin: .commandLine) == .failed(.engine)
        )
        #expect(
            shell.session.execute("monitor models:/m/Production on=fsp.thick fail_on_drift=false", origin: .commandLine)
                == .ok)
    }

    @Test("monitor: baseline=TABLE, columns=, thresholds; clear errors for bad input")
    func argumentsAndErrors() throws {
        let shell = registered()
        let chosen = try #require(
            shell.run(
                "monitor models:/m/Production on=fsp.thick baseline=fsp.top3 columns=Pixels_Areas,Steel_Plate_Thickness psi=0.5 pvalue=0.05"
            )
            .first)
        let drift = try #require(chosen.tables(named: "drift").first)
        #expect(drift.rows.map { $0[0] } == [.text("Steel_Plate_Thickness"), .text("Pixels_Areas")])
        #expect(
            chosen.messages.contains("with 983 of fsp.top3 v1")
                && chosen.messages.contains("(PSI > 0.5 or KS p < 0.05)"))

        #expect(
            shell.failure("monitor models:/m/Production on=fsp.thick columns=Pixel_Areas")?.fullMessage
                == "'Pixel_Areas' is not a feature of the model; did you mean 'Pixels_Areas'?")
        shell.run("sql select Pixels_Areas, Steel_Plate_Thickness from fsp.faults into narrow; save as fsp.narrow")
        let narrow = shell.failure("monitor models:/m/Production on=fsp.narrow")
        #expect(
            narrow?.kind == "unknownColumn"
                && narrow?.message.hasPrefix("the monitored rows lack 25 of the model's 27 features") == true)
        let store = try shell.session.store()
        let top3 = try store.read(try store.version(try TableName(parsing: "fsp.top3")))
        let texty = try top3.setting(
            Column(name: "Steel_Plate_Thickness", storage: .text(Array(repeating: "thin", count: top3.rowCount))))
        _ = try store.write(texty, as: try TableName(parsing: "fsp.texty"), source: "test", operation: "test")
        #expect(
            shell.failure("monitor models:/m/Production on=fsp.texty")?.message
                == "column 'Steel_Plate_Thickness' of the monitored rows is text; monitor compares numeric features")
        #expect(shell.failure("monitor models:/nope/Production on=fsp.top3") != nil)
        #expect(shell.failure("monitor models:/m/Production on=fsp.top3 psi=-1")?.layer == .usage)
    }

    @Test("monitor window=1d: each day of a log compared with the baseline; the report is the latest day's")
    func windows() throws {
        let shell = registered()
        let store = try shell.session.store()
        let top3 = try store.read(try store.version(try TableName(parsing: "fsp.top3")))
        let thick = try store.read(try store.version(try TableName(parsing: "fsp.thick")))
        // Two quiet days of the training plates, then a day of thick plates.
        var days: [Table] = []
        for (day, table) in [(5, top3), (6, top3), (7, thick)] {
            let times = (0..<table.rowCount).map {
                String(format: "2026-12-%02dT%02d:%02d:00.000Z", day, $0 / 60 % 24, $0 % 60)
            }
            days.append(try Table(columns: [Column(name: "time", storage: .text(times))] + table.columns))
        }
        let log = try Table(
            columns: days[0].columns.indices.map { c in
                Column(
                    name: days[0].columns[c].name,
                    type: days.contains { $0.columns[c].type == .real } ? .real : days[0].columns[c].type,
                    values: days.flatMap { d in (0..<d.rowCount).map { d.columns[c].value(at: $0) } })
            })
        _ = try store.write(log, as: try TableName(parsing: "fsp.week"), source: "test", operation: "test")

        let output = try #require(shell.run("monitor models:/m/Production on=fsp.week window=1d").first)
        let windows = try #require(output.tables(named: "windows").first)
        #expect(
            windows.columns == ["window_start", "window_end", "rows", "drifted_features", "max_psi", "max_psi_feature"])
        #expect(windows.rows.map { $0[0] } == ["2026-12-05", "2026-12-06", "2026-12-07"].map { .text($0 + "T00:00Z") })
        #expect(windows.rows.map { $0[2] } == [.integer(983), .integer(983), .integer(983)])
        #expect(windows.rows.map { $0[3] } == [.integer(0), .integer(0), .integer(1)])
        #expect(windows.value(2, "max_psi_feature") == .text("Steel_Plate_Thickness"))
        #expect(
            output.messages.hasPrefix(
                "Compared 983 rows of fsp.week v1 [2026-12-07T00:00Z, 2026-12-08T00:00Z) with 983 of fsp.faults v1 + 2 steps (m/1): 1 of 27 features drifted"
            ))
        let images = output.blocks.compactMap { if case .image(let image) = $0 { image.name } else { nil } }
        #expect(images.first == "windows")

        // A range: the first two days alone do not drift.
        let quiet = try #require(shell.run("monitor models:/m/Production on=fsp.week until=2026-12-07").first)
        #expect(
            quiet.messages.contains("1966 rows of fsp.week v1 [") && quiet.messages.contains(": no feature drifted"))

        let empty = shell.failure("monitor models:/m/Production on=fsp.week since=2026-12-08")
        #expect(empty?.message == "fsp.week v1 has no rows from 2026-12-08T00:00Z")
        #expect(empty?.hint == "its rows run from 2026-12-05T00:00Z to 2026-12-07T16:22Z; widen since= or until=")
        #expect(
            shell.failure("monitor models:/m/Production on=fsp.top3 window=1d")?.message
                == "fsp.top3 v1 has no 'time' column, which windows and since=/until= read")
        #expect(
            shell.failure("monitor models:/m/Production on=fsp.week window=2y")?.message
                == "'2y' is not a window length")
        #expect(
            shell.failure("monitor models:/m/Production on=fsp.week since=yesterday")?.message
                == "'yesterday' is not a time")
    }
}
