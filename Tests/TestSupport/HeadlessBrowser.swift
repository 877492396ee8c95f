import Foundation

/// Debian's `chromium` in headless mode (installed by `make deps`): renders a local HTML file
/// and returns the screenshot.
public enum HeadlessBrowser {
    public static func executable() throws -> URL {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw TestSupportError("no chromium found: `make deps` installs Debian's chromium for the report tests")
    }

    public static func screenshot(of html: URL, width: Int = 1280, height: Int, in directory: URL) throws -> PNGImage {
        let png = directory.appendingPathComponent("screenshot-\(UUID().uuidString).png")
        let process = Process()
        process.executableURL = try executable()
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                             "--user-data-dir=\(directory.appendingPathComponent("chromium-profile").path)",
                             "--window-size=\(width),\(height)", "--screenshot=\(png.path)", html.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); throw TestSupportError("chromium did not finish within 120 s") }
        guard let data = FileManager.default.contents(atPath: png.path) else {
            throw TestSupportError("chromium wrote no screenshot (exit \(process.terminationStatus))")
        }
        return try PNGImage(data: data)
    }
}
