import Foundation

/// An output path that is one of the command's inputs would destroy it (`nmt export A --db
/// X.sqlite --out X.sqlite` once replaced every run with a weight file). Compared by device and
/// inode where both exist, so a symlink or a "./" spelling cannot slip past, else by the
/// resolved path.
public enum OutputPath {
    public static func refuse(_ output: String, flag: String, inputs: [(role: String, path: String)]) throws {
        for input in inputs where sameFile(output, input.path) {
            throw ApplicationError("\(flag) \(output) is the \(input.role) (\(input.path)): writing it would destroy it; choose another path")
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        if stat(a, &sa) == 0, stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        func resolved(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return resolved(a) == resolved(b)
    }
}
