//! Ctrl-C while a line runs must end the line, not the shell. The terminal
//! sends SIGINT to the whole foreground group, the shell included, so the
//! shell catches it with a handler that does nothing. A handler, not
//! SIG_IGN: an ignored signal would stay ignored in the child across exec,
//! a caught one is reset to the default there.

extern "C" fn note_only(_: libc::c_int) {}

pub struct IgnoreInterrupts {
    previous: [(libc::c_int, libc::sigaction); 2],
}

impl IgnoreInterrupts {
    pub fn install() -> Self {
        let mut previous: [(libc::c_int, libc::sigaction); 2] =
            // SAFETY: sigaction is plain data; zeroed is a valid value.
            [(libc::SIGINT, unsafe { std::mem::zeroed() }), (libc::SIGQUIT, unsafe { std::mem::zeroed() })];
        for (signal, old) in previous.iter_mut() {
            // SAFETY: we pass valid pointers to initialised structs; the
            // handler is async-signal-safe (it does nothing).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = note_only as *const () as usize;
                libc::sigemptyset(&mut action.sa_mask);
                action.sa_flags = libc::SA_RESTART;
                libc::sigaction(*signal, &action, old);
            }
        }
        IgnoreInterrupts { previous }
    }
}

impl Drop for IgnoreInterrupts {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: restores the action saved by install.
            unsafe {
                libc::sigaction(*signal, old, std::ptr::null_mut());
            }
        }
    }
}
