//! The catalog's hello-world program: a static, libc-free binary of a few
//! kilobytes that says what the engine just did. berthd's build script
//! compiles it; the catalog puts it at /hello.
#![no_std]
#![no_main]

const MESSAGE: &[u8] = b"
Hello from berth!
If you can read this, your engine is working.

What just happened, step by step:
 1. The docker client sent your request to the engine over its API socket.
 2. The engine looked for the \"hello-world\" image (berth keeps it in its
    offline catalog, so no download was needed).
 3. The engine created a new container from that image: its own root
    filesystem, process table, hostname and network.
 4. It ran this program inside the container and passed what it printed
    back to the client, which showed it on your terminal.

Next, try something you can interact with:
 $ docker run -it busybox sh

Then continue with the lab: type `labs` in the berth shell.
";

#[cfg(target_arch = "x86_64")]
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor rbp, rbp",
    "and rsp, -16",
    "call hello_main",
    "ud2",
);

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(".globl _start", "_start:", "bl hello_main", "brk #0",);

#[cfg(target_arch = "x86_64")]
unsafe fn write_and_exit(buf: &[u8]) -> ! {
    unsafe {
        core::arch::asm!("syscall", in("rax") 1usize, in("rdi") 1usize,
            in("rsi") buf.as_ptr(), in("rdx") buf.len(),
            lateout("rcx") _, lateout("r11") _, lateout("rax") _);
        core::arch::asm!("syscall", in("rax") 60usize, in("rdi") 0usize, options(noreturn));
    }
}

#[cfg(target_arch = "aarch64")]
unsafe fn write_and_exit(buf: &[u8]) -> ! {
    unsafe {
        core::arch::asm!("svc 0", in("x8") 64usize, inlateout("x0") 1usize => _,
            in("x1") buf.as_ptr(), in("x2") buf.len());
        core::arch::asm!("svc 0", in("x8") 93usize, in("x0") 0usize, options(noreturn));
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn hello_main() -> ! {
    unsafe { write_and_exit(MESSAGE) }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
