/// PlateShell's version, as `--version`, `state` and run records show it.
public enum PlateShellVersion {
    public static let current = "0.1.0"
}
