// MSBuild inline task (RoslynCodeTaskFactory): marks libstdc++ symbol-version requirements of an ELF shared
// library weak when the system libstdc++ lacks them and they are known to be harmless. See
// build/TorchSharp.Native.targets for why. Elf64 little-endian only (x86-64, aarch64).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace FiSAO.Build
{
    public class WeakenMissingGlibcxxVersions : Task
    {
        // Versions whose only symbol in libLibTorchSharp.so is referenced but never relocated, so a weak
        // requirement is safe (measured: readelf -r shows no relocation against _ZSt21ios_base_library_initv).
        static readonly HashSet<string> HarmlessVersions = new HashSet<string> { "GLIBCXX_3.4.32" };

        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlgWeak = 0x2;

        static readonly string[] LibraryDirs =
        {
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        };

        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        public override bool Execute()
        {
            var systemLibstdcxx = FindSystemLibstdcxx();
            if (systemLibstdcxx == null)
            {
                Log.LogMessage(MessageImportance.Low, "FiSAO: no system libstdc++.so.6 found; TorchSharp left as is.");
                return true;
            }
            var systemBytes = File.ReadAllBytes(systemLibstdcxx);
            foreach (var item in Libraries)
            {
                try { PatchOne(item.ItemSpec, systemBytes, systemLibstdcxx); }
                catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
                {
                    Log.LogWarning("FiSAO: could not check {0}: {1}", item.ItemSpec, e.Message);
                }
            }
            return !Log.HasLoggedErrors;
        }

        static string FindSystemLibstdcxx()
        {
            foreach (var dir in LibraryDirs)
            {
                var path = Path.Combine(dir, "libstdc++.so.6");
                if (File.Exists(path)) return path;
            }
            return null;
        }

        static bool Defines(byte[] library, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            return IndexOf(library, needle) >= 0;
        }

        static int IndexOf(byte[] hay, byte[] needle)
        {
            for (int i = 0; i <= hay.Length - needle.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && hay[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        void PatchOne(string path, byte[] systemLibstdcxx, string systemPath)
        {
            var elf = File.ReadAllBytes(path);
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("not a little-endian ELF64 file");

            ulong shoff = BitConverter.ToUInt64(elf, 0x28);
            int shentsize = BitConverter.ToUInt16(elf, 0x3A);
            int shnum = BitConverter.ToUInt16(elf, 0x3C);

            int changed = 0;
            for (int s = 0; s < shnum; s++)
            {
                int sh = checked((int)shoff + s * shentsize);
                if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
                int secOff = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
                int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
                int count = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
                int strSh = checked((int)shoff + link * shentsize);
                int strOff = checked((int)BitConverter.ToUInt64(elf, strSh + 0x18));

                int vn = secOff;
                for (int i = 0; i < count; i++)
                {
                    int cnt = BitConverter.ToUInt16(elf, vn + 2);
                    string file = ReadString(elf, strOff + (int)BitConverter.ToUInt32(elf, vn + 4));
                    int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                        string version = ReadString(elf, strOff + (int)BitConverter.ToUInt32(elf, aux + 8));
                        bool missing = file.StartsWith("libstdc++", StringComparison.Ordinal) && !Defines(systemLibstdcxx, version);
                        if (missing && (flags & VerFlgWeak) == 0)
                        {
                            if (HarmlessVersions.Contains(version))
                            {
                                BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                                changed++;
                            }
                            else
                            {
                                Log.LogWarning("FiSAO: {0} needs {1} from {2}, which {3} lacks; TorchSharp will not load here.",
                                    Path.GetFileName(path), version, file, systemPath);
                            }
                        }
                        aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                    }
                    vn += (int)BitConverter.ToUInt32(elf, vn + 12);
                }
            }

            if (changed == 0) return;
            // Write beside and move over: never modify a file that might be a hard link into the NuGet cache.
            var tmp = path + ".fisao-tmp";
            File.WriteAllBytes(tmp, elf);
            File.Delete(path);
            File.Move(tmp, path);
            Log.LogMessage(MessageImportance.High,
                "FiSAO: marked {0} libstdc++ version requirement(s) weak in {1} (system libstdc++ lacks them).", changed, path);
        }

        static string ReadString(byte[] elf, int offset)
        {
            int end = offset;
            while (end < elf.Length && elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, offset, end - offset);
        }
    }
}
