// Nothing here: the app module is app/, the library comes from ../bindings/android.
